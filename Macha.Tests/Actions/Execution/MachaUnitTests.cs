using Macha.Core.Actions;
using Macha.Core.Actions.Execution;
using Macha.Core.Hosts;
using Macha.Tests.Fakes;

namespace Macha.Tests.Actions.Execution;

/// <summary>
/// Rebuilds and rollbacks on the host Macha itself runs on: they run only when activation leaves
/// Macha's own unit running, so the pipeline can finish its checks and rollback decision.
/// </summary>
public sealed class MachaUnitTests
{
    private const string Unit = "macha-autonomous.service";
    private const string UnitPath = "/etc/systemd/system/macha-autonomous.service";
    private const string ShowFragment = "systemctl show --property=FragmentPath -- macha-autonomous.service";
    private const string ReadProfile = "readlink -- /nix/var/nix/profiles/system";
    private const string ListActive = "systemctl list-units --type=service,socket --state=active --no-legend --plain --no-pager";
    private const string DryBuild = "nixos-rebuild dry-build --flake /etc/nixos#web-1";
    private const string Test = "sudo -n nixos-rebuild test --flake /etc/nixos#web-1";
    private const string Switch = "sudo -n nixos-rebuild switch --flake /etc/nixos#web-1";
    private const string SwitchBack = "sudo -n nixos-rebuild switch --rollback";
    private const string CheckProtected = "systemctl is-active -- sshd.service";

    private const string KeptUnitFile = "[Unit]\nDescription=Macha autonomous system administrator\nX-RestartIfChanged=false\n\n[Service]\nType=notify\nExecStart=/nix/store/aaaa-macha-autonomous-1.0/bin/macha\n";

    private readonly ReplayShell _shell = new ReplayShell(ActionTestData.HostName)
        .WithCommand(ShowFragment, $"FragmentPath={UnitPath}\n")
        .WithCommand(ReadProfile, "system-42-link\n")
        .WithCommand(ListActive, "sshd.service loaded active running SSH Daemon\n")
        .WithCommand(DryBuild, "", standardError: "these 3 derivations will be built:\n")
        .WithCommand(Test, "", standardError: "activating the configuration...\n")
        .WithCommand(Switch, "", standardError: "activating the configuration...\n")
        .WithCommand(SwitchBack, "", standardError: "activating the configuration...\n")
        .WithCommand(CheckProtected, "active\n");

    [Theory]
    [InlineData("0::/system.slice/macha-autonomous.service\n", "macha-autonomous.service")]
    [InlineData("0::/system.slice/macha-autonomous.service/worker\n", "macha-autonomous.service")]
    [InlineData("12:pids:/system.slice/macha.service\n1:name=systemd:/system.slice/macha.service\n0::/\n", "macha.service")]
    [InlineData("0::/user.slice/user-1000.slice/session-3.scope\n", null)]
    [InlineData("0::/\n", null)]
    [InlineData("", null)]
    public void FromCgroup_Text_ReturnsServiceUnit(string cgroup, string? expected)
    {
        Assert.Equal(expected, MachaUnit.FromCgroup(cgroup));
    }

    [Theory]
    [InlineData("[Unit]\nX-RestartIfChanged=false\n", true)]
    [InlineData("[Service]\nX-RestartIfChanged = no\n", true)]
    [InlineData("[Unit]\nX-RestartIfChanged=true\n", false)]
    [InlineData("[Unit]\nDescription=X-RestartIfChanged=false is what we want\n", false)]
    [InlineData("[Service]\nExecStart=/bin/macha\n", false)]
    public void IsKeptAcrossActivation_UnitFile_ReadsTheMarker(string text, bool expected)
    {
        Assert.Equal(expected, MachaUnit.IsKeptAcrossActivation(text));
    }

    [Fact]
    public void Of_RemoteShell_ReturnsNull()
    {
        Assert.Null(MachaUnit.Of(_shell));
    }

    [Fact]
    public async Task Rebuild_MachaUnitWouldRestart_RunsNothing()
    {
        _shell.WithFile(UnitPath, "[Unit]\nDescription=Macha\n\n[Service]\nExecStart=/bin/macha\n");

        var result = await Pipeline().RebuildAsync(Rebuild(), _shell, CancellationToken.None);

        Assert.Equal(ExecutionStatus.Failed, result.Status);
        Assert.StartsWith($"Nothing ran: this host runs Macha itself as {Unit}, and activation would restart that unit", result.Reason, StringComparison.Ordinal);
        Assert.Contains("restartIfChanged = false", result.Reason, StringComparison.Ordinal);
        Assert.True(result.Escalates);
        Assert.Equal([ShowFragment], _shell.CommandsRun);
    }

    [Fact]
    public async Task Rebuild_UnitFileUnreadable_RunsNothing()
    {
        var result = await Pipeline().RebuildAsync(Rebuild(), _shell, CancellationToken.None);

        Assert.Equal(ExecutionStatus.Failed, result.Status);
        Assert.Contains($"whether activation would restart it is unknown, because Macha could not read {UnitPath}", result.Reason, StringComparison.Ordinal);
        Assert.Equal([ShowFragment], _shell.CommandsRun);
    }

    [Fact]
    public async Task Rebuild_MachaUnitKept_RunsAndSwitches()
    {
        _shell.WithFile(UnitPath, KeptUnitFile);

        var result = await Pipeline().RebuildAsync(Rebuild(), _shell, CancellationToken.None);

        Assert.Equal(ExecutionStatus.Succeeded, result.Status);
        Assert.Contains(Switch, _shell.CommandsRun);
        Assert.DoesNotContain("Macha's own unit", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rebuild_MachaUnitChanged_AsksForRestart()
    {
        _shell.WithFile(UnitPath, KeptUnitFile);
        var changing = new UnitFileChangingShell(_shell, UnitPath, KeptUnitFile.Replace("aaaa-macha-autonomous-1.0", "bbbb-macha-autonomous-1.1", StringComparison.Ordinal));

        var result = await Pipeline().RebuildAsync(Rebuild(), changing, CancellationToken.None);

        Assert.Equal(ExecutionStatus.Succeeded, result.Status);
        Assert.Contains($"Macha's own unit {Unit} changed and was left running", result.Reason, StringComparison.Ordinal);
        Assert.Contains($"restart {Unit} to run the new one", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_MachaUnitWouldRestart_RunsNothing()
    {
        _shell.WithFile(UnitPath, "[Service]\nExecStart=/bin/macha\n");

        var result = await Pipeline().RollBackAsync(new RollbackNixos(ActionTestData.Context()), _shell, CancellationToken.None);

        Assert.Equal(ExecutionStatus.Failed, result.Status);
        Assert.DoesNotContain(SwitchBack, _shell.CommandsRun);
    }

    [Fact]
    public async Task Rebuild_NotMachaHost_SkipsTheCheck()
    {
        var result = await new NixosPipeline(Checks(), _ => null).RebuildAsync(Rebuild(), _shell, CancellationToken.None);

        Assert.Equal(ExecutionStatus.Succeeded, result.Status);
        Assert.DoesNotContain(ShowFragment, _shell.CommandsRun);
    }

    private static NixosPipeline Pipeline() => new(Checks(), _ => Unit);

    private static NixosHealthChecks Checks() => new(new ProtectedTargets(ActionTestData.Options()), databases: null);

    private static RebuildNixos Rebuild() => new(ActionTestData.Context(), "/etc/nixos#web-1");

    /// <summary>Serves a different unit file once nixos-rebuild switch ran, as activation would install it.</summary>
    private sealed class UnitFileChangingShell(ReplayShell inner, string path, string after) : IHostShell
    {
        public string HostName => inner.HostName;

        public Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellationToken = default) =>
            inner.RunAsync(request, cancellationToken);

        public Task<FileReadResult> ReadFileAsync(string filePath, int maxBytes, CancellationToken cancellationToken = default) =>
            filePath == path && inner.CommandsRun.Contains(Switch)
                ? Task.FromResult(new FileReadResult(true, after))
                : inner.ReadFileAsync(filePath, maxBytes, cancellationToken);
    }
}
