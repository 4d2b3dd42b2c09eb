using System.Diagnostics;
using System.Runtime.Versioning;

namespace Macha.Tests.Nix;

/// <summary>
/// Loads the sudo rules module.nix generates into the real sudo (Debian's sudo 1.9), inside a private
/// mount namespace where they replace /etc/sudoers, and asks sudo which commands they allow.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class SudoRulesTests(SudoRulesTests.GeneratedSudoers sudoers) : IClassFixture<SudoRulesTests.GeneratedSudoers>
{
    [Fact]
    public async Task Visudo_GeneratedRules_ParseCleanly()
    {
        var output = await RunAsync("visudo", ["-c", "-f", sudoers.Path]);

        Assert.True(output.ExitCode == 0, $"visudo rejected the rules: {output.StandardOutput}{output.StandardError}");
    }

    [Theory]
    [InlineData("systemd/bin/systemctl restart -- nginx.service")]
    [InlineData("systemd/bin/systemctl restart -- getty@tty1.service")]
    [InlineData("systemd/bin/systemctl restart -- backup.timer")]
    [InlineData("systemd/bin/systemctl restart -- dev-disk-by\\x2dlabel-data.path")]
    [InlineData("systemd/bin/systemctl reset-failed -- gone.mount")]
    [InlineData("systemd/bin/journalctl --vacuum-size=500M")]
    [InlineData("nix/bin/nix-collect-garbage --delete-older-than 14d")]
    [InlineData("nixos-rebuild/bin/nixos-rebuild test --flake /etc/nixos#web-1")]
    [InlineData("nixos-rebuild/bin/nixos-rebuild switch --flake /etc/nixos#web-1")]
    [InlineData("nixos-rebuild/bin/nixos-rebuild switch --rollback")]
    public async Task Sudo_ExecutorCommand_IsAllowed(string command)
    {
        var output = await sudoers.CheckAsync(command);

        Assert.True(output.ExitCode == 0, $"sudo denied \"{command}\": {output.StandardError}");
        Assert.Empty(output.StandardError);
    }

    [Theory]
    // Protected units, built in and added by the configuration.
    [InlineData("systemd/bin/systemctl restart -- sshd.service")]
    [InlineData("systemd/bin/systemctl restart -- sshd@1-192.0.2.1:22-192.0.2.9:40000.service")]
    [InlineData("systemd/bin/systemctl restart -- systemd-journald.service")]
    [InlineData("systemd/bin/systemctl restart -- dbus-broker.service")]
    [InlineData("systemd/bin/systemctl restart -- macha-autonomous.service")]
    [InlineData("systemd/bin/systemctl restart -- postgresql.service")]
    [InlineData("systemd/bin/systemctl restart -- backup-db.timer")]
    [InlineData("systemd/bin/systemctl reset-failed -- sshd.service")]
    // Anything beyond the executor's exact argv.
    [InlineData("systemd/bin/systemctl restart nginx.service")]
    [InlineData("systemd/bin/systemctl restart -- nginx.service sshd.service")]
    [InlineData("systemd/bin/systemctl restart -- multi-user.target")]
    [InlineData("systemd/bin/systemctl restart -- -.slice")]
    [InlineData("systemd/bin/systemctl restart -- --help")]
    [InlineData("systemd/bin/systemctl restart -- nginx.service;sh")]
    [InlineData("systemd/bin/systemctl edit nginx.service")]
    [InlineData("systemd/bin/systemctl stop nginx.service")]
    [InlineData("systemd/bin/systemctl")]
    [InlineData("systemd/bin/journalctl")]
    [InlineData("systemd/bin/journalctl --vacuum-size=500M --pager-end")]
    [InlineData("systemd/bin/journalctl --vacuum-size=1T")]
    [InlineData("nix/bin/nix-collect-garbage -d")]
    [InlineData("nix/bin/nix-collect-garbage --delete-older-than 14d --dry-run")]
    [InlineData("nixos-rebuild/bin/nixos-rebuild switch --flake /etc/nixos#web-2")]
    [InlineData("nixos-rebuild/bin/nixos-rebuild switch --flake /tmp/nixos#web-1")]
    [InlineData("nixos-rebuild/bin/nixos-rebuild boot --flake /etc/nixos#web-1")]
    [InlineData("nixos-rebuild/bin/nixos-rebuild switch --rollback --flake /etc/nixos#web-1")]
    public async Task Sudo_OtherCommand_IsDenied(string command)
    {
        var output = await sudoers.CheckAsync(command);

        Assert.True(output.ExitCode == 1, $"sudo allowed \"{command}\": {output.StandardOutput}");
        Assert.Empty(output.StandardError);
    }

    private static async Task<ProcessOutput> RunAsync(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(limit.Token);
        return new ProcessOutput(process.ExitCode, await standardOutput, await standardError);
    }

    /// <summary>
    /// The sudoers file made from module.nix for the user "nobody", which exists on every Debian
    /// machine, with stand-in programs under a temporary directory that the rules name.
    /// </summary>
    [SupportedOSPlatform("linux")]
    public sealed class GeneratedSudoers : IAsyncLifetime
    {
        private const string Configuration = """
            {
              services.macha-autonomous = {
                enable = true;
                user = "nobody";
                protectedServices = [ "postgresql" "backup-*" ];
                rebuild = { flake = "/etc/nixos#web-1"; allowRollback = true; };
              };
            }
            """;

        private readonly string directory = Directory.CreateTempSubdirectory("macha-sudo-").FullName;

        public string Path => System.IO.Path.Combine(directory, "sudoers");

        private string ProgramRoot => System.IO.Path.Combine(directory, "programs");

        public async Task InitializeAsync()
        {
            foreach (var program in (string[])["systemd/bin/systemctl", "systemd/bin/journalctl", "nix/bin/nix-collect-garbage", "nixos-rebuild/bin/nixos-rebuild"])
            {
                var path = System.IO.Path.Combine(ProgramRoot, program);
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
                await File.WriteAllTextAsync(path, "#!/bin/sh\nexit 0\n");
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }

            var result = await NixEvaluator.EvaluateModuleAsync(Configuration, programRoot: ProgramRoot);
            var rules = result.GetProperty("sudoers").GetString()!;
            Assert.StartsWith("nobody ALL=(root) NOPASSWD: ", rules, StringComparison.Ordinal);
            await File.WriteAllTextAsync(Path, $"root ALL=(ALL:ALL) ALL\n{rules}\n");
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.GroupRead);
        }

        /// <summary>
        /// Runs <c>sudo -l -U nobody COMMAND</c> with these rules bound over /etc/sudoers in a private
        /// mount namespace, so the machine's own sudoers is untouched. sudo exits with 0 when the rules
        /// allow the command and 1 when they do not.
        /// </summary>
        /// <param name="command">A program relative to the stand-in root, and its arguments, separated by spaces.</param>
        internal Task<ProcessOutput> CheckAsync(string command)
        {
            var words = command.Split(' ');
            const string Script = """mount --bind "$1" /etc/sudoers || exit 99; shift; exec sudo -n -l -U nobody -- "$@" """;
            return RunAsync(
                "unshare",
                ["--mount", "--propagation", "private", "--", "sh", "-c", Script, "sh", Path, System.IO.Path.Combine(ProgramRoot, words[0]), .. words[1..]]);
        }

        public Task DisposeAsync()
        {
            Directory.Delete(directory, recursive: true);
            return Task.CompletedTask;
        }
    }
}
