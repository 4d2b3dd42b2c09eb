using System.Diagnostics;
using System.Globalization;
using System.Text;
using Macha.Core.Hosts;

namespace Macha.Tests.Hosts;

/// <summary>
/// A real OpenSSH server (Debian's sshd) in a network namespace of its own, reached from the test
/// process over a veth pair with unique-local IPv6 addresses. Names and addresses include the test
/// process's PID, so concurrent test runs never share a namespace, an interface or a route.
/// </summary>
/// <remarks>
/// sshd runs in its own mount namespace too (<c>ip netns exec</c> creates one), where files such as a
/// stub <c>systemctl</c> or another <c>/etc/os-release</c> are bind-mounted over the real ones. The
/// host therefore looks the same to every user and through sudo, as a real host would. Dispose stops
/// sshd and its session processes by PID and deletes the namespace, which also removes the veth pair.
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class SshTestHost : IAsyncDisposable
{
    /// <summary>An unprivileged user that exists only inside the host's mount namespace, with a sudo rule that needs a password.</summary>
    public const string UnprivilegedUser = "machatest";

    private static int _counter;

    private readonly List<(string Source, string Target)> _bindMounts = [];
    private readonly StringBuilder _serverLog = new();
    private Process? _server;
    private bool _namespaceCreated;

    private SshTestHost(string name, string directory, int index)
    {
        Name = name;
        Directory = directory;
        var pid = Environment.ProcessId;
        NamespaceName = $"macha-{pid}-{index}";
        OuterInterface = $"mh{pid}x{index}a";
        InnerInterface = $"mh{pid}x{index}b";
        var prefix = $"fd6d:{(pid >> 16) & 0xffff:x}:{pid & 0xffff:x}:{index:x}";
        OuterAddress = prefix + "::1";
        Address = prefix + "::2";
        UnusedAddress = prefix + "::3";
    }

    public string Name { get; }

    /// <summary>Private directory of this host: keys, sshd_config, stubs and their state files.</summary>
    public string Directory { get; }

    public string NamespaceName { get; }

    public string OuterInterface { get; }

    public string InnerInterface { get; }

    public string OuterAddress { get; }

    /// <summary>The address sshd listens on, inside the namespace.</summary>
    public string Address { get; }

    /// <summary>
    /// An address on the host's link that no interface has. Its neighbor discovery gets no answer,
    /// so a connection to it fails with "no route to host" after about three seconds, as an
    /// unreachable host does. The traffic stays on the veth pair.
    /// </summary>
    public string UnusedAddress { get; }

    public const int Port = 22;

    public string HostKeyFile => Path.Combine(Directory, "ssh_host_ed25519_key");

    /// <summary>The fingerprint of the current host key, as <c>ssh-keygen -lf</c> prints it.</summary>
    public string HostKeyFingerprint { get; private set; } = string.Empty;

    public string ClientKeyFile => Path.Combine(Directory, "client_key");

    /// <summary>A file holding the PID of the running sshd listener.</summary>
    public string PidFile => Path.Combine(Directory, "sshd.pid");

    public int? ServerProcessId => _server?.Id;

    public string ServerLog
    {
        get
        {
            lock (_serverLog)
            {
                return _serverLog.ToString();
            }
        }
    }

    /// <summary>Creates the namespace, keys and configuration; call <see cref="StartAsync"/> after adding files.</summary>
    public static async Task<SshTestHost> CreateAsync(string name, CancellationToken cancellationToken = default)
    {
        EnsureRoot();
        var index = Interlocked.Increment(ref _counter);
        var directory = System.IO.Directory.CreateTempSubdirectory($"macha-ssh-{name}-").FullName;

        // sshd runs sessions of the unprivileged user, which must read the stubs and the key list.
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var host = new SshTestHost(name, directory, index);
        try
        {
            await host.SetUpAsync(cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Places <paramref name="content"/> over <paramref name="target"/> inside the host only.</summary>
    public SshTestHost WithFile(string target, string content, bool executable = false)
    {
        var source = Path.Combine(Directory, "files", target.TrimStart('/').Replace('/', '_'));
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(source)!);
        File.WriteAllText(source, content);
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        if (executable)
        {
            mode |= UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        }

        File.SetUnixFileMode(source, mode);
        _bindMounts.RemoveAll(mount => mount.Target == target);
        _bindMounts.Add((source, target));
        return this;
    }

    /// <summary>Starts sshd and waits until it listens.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var script = new StringBuilder("set -e\n");
        foreach (var (source, target) in _bindMounts)
        {
            script.Append("mount --bind ").Append(PosixShellQuoting.Quote(source)).Append(' ').Append(PosixShellQuoting.Quote(target)).Append('\n');
        }

        script.Append("exec /usr/sbin/sshd -D -e -f ").Append(PosixShellQuoting.Quote(Path.Combine(Directory, "sshd_config"))).Append('\n');

        var start = new ProcessStartInfo("ip")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "netns", "exec", NamespaceName, "/bin/sh", "-c", script.ToString() })
        {
            start.ArgumentList.Add(argument);
        }

        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = new Process { StartInfo = start, EnableRaisingEvents = true };
        server.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException($"sshd for {Name} exited before listening:\n{ServerLog}"));
                return;
            }

            lock (_serverLog)
            {
                _serverLog.AppendLine(e.Data);
            }

            if (e.Data.Contains("Server listening on", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        };
        server.OutputDataReceived += (_, _) => { };
        server.Start();
        server.BeginErrorReadLine();
        server.BeginOutputReadLine();
        _server = server;
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);

        // For stubs that take the host down from inside a session.
        await File.WriteAllTextAsync(PidFile, server.Id.ToString(CultureInfo.InvariantCulture), cancellationToken);
    }

    /// <summary>Stops sshd and every session it forked, as a host that goes down does.</summary>
    public async Task StopServerAsync()
    {
        if (_server is not { } server)
        {
            return;
        }

        foreach (var child in ChildProcessIds(server.Id))
        {
            TryKill(child);
        }

        try
        {
            server.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It had already exited.
        }

        await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        server.Dispose();
        _server = null;
    }

    /// <summary>Freezes sshd and its sessions with SIGSTOP: connections open, but nothing answers.</summary>
    public async Task FreezeAsync()
    {
        var server = _server ?? throw new InvalidOperationException("sshd is not running.");
        foreach (var pid in ChildProcessIds(server.Id).Append(server.Id))
        {
            await RunAsync("kill", "-STOP", pid.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Resumes a frozen sshd with SIGCONT, so disposal can stop it.</summary>
    public async Task ThawAsync()
    {
        if (_server is not { } server)
        {
            return;
        }

        foreach (var pid in ChildProcessIds(server.Id).Append(server.Id))
        {
            await RunAsync("kill", "-CONT", pid.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Replaces the host key, as a reinstall or an attacker in the middle would; restart sshd to use it.</summary>
    public async Task RegenerateHostKeyAsync()
    {
        File.Delete(HostKeyFile);
        File.Delete(HostKeyFile + ".pub");
        await GenerateKeyAsync(HostKeyFile);
        HostKeyFingerprint = await ReadFingerprintAsync(HostKeyFile + ".pub");
    }

    public RemoteHost ToRemoteHost(string? user = null, string? privateKeyFile = null) =>
        new(Name, Address, Port, user ?? "root", privateKeyFile ?? ClientKeyFile);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await ThawAsync();
            await StopServerAsync();
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            // Disposal goes on, so the namespace is deleted even when sshd could not be stopped cleanly.
        }

        if (_namespaceCreated)
        {
            await RunAsync("ip", "netns", "del", NamespaceName);
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Generates an ed25519 key pair without a passphrase.</summary>
    public static Task GenerateKeyAsync(string path) =>
        RunCheckedAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "macha-test", "-f", path);

    /// <summary>Runs a program and throws with its output when it exits with a non-zero code.</summary>
    public static async Task<string> RunCheckedAsync(string program, params string[] arguments)
    {
        var (exitCode, output) = await RunAsync(program, arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with code {exitCode}: {output}");
        }

        return output;
    }

    private async Task SetUpAsync(CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory("/run/sshd");
        await RunCheckedAsync("ip", "netns", "add", NamespaceName);
        _namespaceCreated = true;
        await RunCheckedAsync("ip", "link", "add", OuterInterface, "type", "veth", "peer", "name", InnerInterface);
        await RunCheckedAsync("ip", "link", "set", InnerInterface, "netns", NamespaceName);
        await RunCheckedAsync("ip", "addr", "add", OuterAddress + "/64", "dev", OuterInterface, "nodad");
        await RunCheckedAsync("ip", "link", "set", OuterInterface, "up");
        await RunCheckedAsync("ip", "netns", "exec", NamespaceName, "ip", "addr", "add", Address + "/64", "dev", InnerInterface, "nodad");
        await RunCheckedAsync("ip", "netns", "exec", NamespaceName, "ip", "link", "set", InnerInterface, "up");
        await RunCheckedAsync("ip", "netns", "exec", NamespaceName, "ip", "link", "set", "lo", "up");

        await GenerateKeyAsync(HostKeyFile);
        HostKeyFingerprint = await ReadFingerprintAsync(HostKeyFile + ".pub");
        await GenerateKeyAsync(ClientKeyFile);
        var authorizedKeys = Path.Combine(Directory, "authorized_keys");
        File.Copy(ClientKeyFile + ".pub", authorizedKeys);
        File.SetUnixFileMode(authorizedKeys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        // UsePAM no: sshd checks keys itself and needs no PAM stack for the user that exists only here.
        await File.WriteAllTextAsync(Path.Combine(Directory, "sshd_config"), $"""
            ListenAddress {Address}
            Port {Port}
            HostKey {HostKeyFile}
            PidFile none
            AuthorizedKeysFile {authorizedKeys}
            StrictModes no
            UsePAM no
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            MaxAuthTries 3
            LogLevel VERBOSE
            Subsystem sftp internal-sftp
            """, cancellationToken);

        // The unprivileged user exists only in the host's own /etc/passwd, and sudo asks it for a password.
        var passwd = await File.ReadAllTextAsync("/etc/passwd", cancellationToken);
        WithFile("/etc/passwd", passwd.TrimEnd('\n') + $"\n{UnprivilegedUser}:x:4242:4242:Macha test:{Directory}:/bin/sh\n");
        WithFile("/etc/sudoers", $"Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n{UnprivilegedUser} ALL=(ALL:ALL) ALL\n");
    }

    private static async Task<string> ReadFingerprintAsync(string publicKeyFile)
    {
        // "256 SHA256:abc... comment (ED25519)"
        var output = await RunCheckedAsync("ssh-keygen", "-l", "-E", "sha256", "-f", publicKeyFile);
        return output.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
    }

    private static void EnsureRoot()
    {
        var uidLine = File.ReadLines("/proc/self/status").FirstOrDefault(line => line.StartsWith("Uid:", StringComparison.Ordinal));
        var effectiveUid = uidLine?.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(2);
        if (effectiveUid != "0")
        {
            throw new InvalidOperationException("SSH tests create network namespaces and start sshd, which needs root; run the tests as root (CI does).");
        }
    }

    private static List<int> ChildProcessIds(int parentId)
    {
        var children = new List<int>();
        foreach (var directory in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                // Fields after the command name, which is in parentheses and may contain spaces.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parentId)
                {
                    children.Add(pid);
                    children.AddRange(ChildProcessIds(pid));
                }
            }
            catch (IOException)
            {
                // The process exited while the list was read.
            }
        }

        return children;
    }

    private static void TryKill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
