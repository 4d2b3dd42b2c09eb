using Macha.Core.Hosts;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Hosts;

/// <summary>SshHostShell against real sshd servers in network namespaces the tests create.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SshHostShellTests
{
    // An upper bound for commands that finish. No test here waits for it to run out.
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RunAsync_ShellSpecialCharacters_RoundTripExactly()
    {
        await using var host = await StartHostAsync();
        using var shell = CreateShell(host, PinnedStore(host));
        string[] words =
        [
            "two words", "it's", "say \"hi\"", "$HOME", "${PATH}", "a;b", "a && b", "a|b", "back\\slash", "trailing\\",
            "\\x2d", "systemd-\\x2dunit\\x20x.service", "-n", "--", "", " ", "new\nline", "tab\there", "*", "?", "~",
            "$(id)", "`id`", "'", "''", "\"", "!event", "#comment", "ünïcödé ✓", "%s", "a'b\"c$d;e\\f",
        ];

        var result = await shell.RunAsync(new CommandRequest("printf", ["%s\\0", .. words], CommandTimeout, 1 << 20));

        Assert.True(result.Succeeded, result.Describe("printf"));
        var echoed = result.StandardOutput.Split('\0')[..^1];
        Assert.Equal(words, echoed);
    }

    [Fact]
    public async Task RunAsync_TcshLoginShell_SameArgv()
    {
        await using var host = await SshTestHost.CreateAsync("tcsh");
        var passwd = (await File.ReadAllLinesAsync("/etc/passwd"))
            .Select(line => line.StartsWith("root:", StringComparison.Ordinal) ? string.Join(':', line.Split(':')[..6]) + ":/usr/bin/tcsh" : line);
        host.WithFile("/etc/passwd", string.Join('\n', passwd) + "\n");
        await host.StartAsync();
        using var shell = CreateShell(host, PinnedStore(host));
        string[] words = ["two words", "it's", "say \"hi\"", "$HOME", "a;b", "back\\slash", "\\x2d", "!event", "$(id)", "`id`", "~", "*"];

        var echoed = await shell.RunAsync(new CommandRequest("printf", ["%s\\0", .. words], CommandTimeout, 1 << 20));
        var files = await shell.ReadFilesAsync([new("/proc/loadavg", 4096), new("/etc/passwd", 1 << 20)], CommandTimeout);

        Assert.True(echoed.Succeeded, echoed.Describe("printf"));
        Assert.Equal(words, echoed.StandardOutput.Split('\0')[..^1]);
        Assert.True(files[0].Exists, files[0].Error);
        Assert.Contains(":/usr/bin/tcsh", files[1].Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadFilesAsync_Fifo_SkippedOthersRead()
    {
        await using var host = await StartHostAsync("fifo");
        using var shell = CreateShell(host, PinnedStore(host));
        var fifo = Path.Combine(host.Directory, "pipe");
        await SshTestHost.RunCheckedAsync("mkfifo", "-m", "644", fifo);

        var results = await shell.ReadFilesAsync([new("/proc/loadavg", 4096), new(fifo, 4096), new("/proc/uptime", 4096)], CommandTimeout);

        Assert.True(results[0].Exists, results[0].Error);
        Assert.False(results[1].Exists);
        Assert.Contains("FIFO", results[1].Error, StringComparison.Ordinal);
        Assert.True(results[2].Exists, results[2].Error);
    }

    [Fact]
    public async Task ReadFilesAsync_HeadHangs_UnreadAtTimeout()
    {
        await using var host = await SshTestHost.CreateAsync("slowread");
        host.WithFile("/usr/bin/head", "#!/bin/sh\nexec sleep 60\n", executable: true);

        // dash reads no start-up file for sh -c, so only the batch's head hangs, not the session's start.
        var passwd = (await File.ReadAllLinesAsync("/etc/passwd"))
            .Select(line => line.StartsWith("root:", StringComparison.Ordinal) ? string.Join(':', line.Split(':')[..6]) + ":/bin/sh" : line);
        host.WithFile("/etc/passwd", string.Join('\n', passwd) + "\n");
        await host.StartAsync();
        using var shell = CreateShell(host, PinnedStore(host));

        var results = await shell.ReadFilesAsync([new("/proc/loadavg", 4096), new("/proc/uptime", 4096)], TimeSpan.FromSeconds(1));

        Assert.True(shell.State.IsHealthy, shell.State.Detail);
        Assert.All(results, result =>
        {
            Assert.False(result.Exists);
            Assert.Contains("within 1 s", result.Error, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task RunAsync_LocaleIsC_ForEveryCommand()
    {
        await using var host = await StartHostAsync();
        using var shell = CreateShell(host, PinnedStore(host));

        var result = await shell.RunAsync(new CommandRequest("sh", ["-c", "printf '%s|%s' \"$LC_ALL\" \"$LANG\""], CommandTimeout, 4096));

        Assert.Equal("C|C", result.StandardOutput);
    }

    [Fact]
    public async Task RunAsync_ManyCommands_UseOneHandshake()
    {
        await using var host = await StartHostAsync();
        using var shell = CreateShell(host, PinnedStore(host));

        for (var i = 0; i < 5; i++)
        {
            var result = await shell.RunAsync(new CommandRequest("true", [], CommandTimeout, 4096));
            Assert.True(result.Succeeded, result.Describe("true"));
        }

        var file = await shell.ReadFileAsync("/etc/hostname", 4096);

        Assert.True(file.Exists, file.Error);
        Assert.Equal(1, shell.HandshakeCount);
        Assert.True(shell.State.IsHealthy);
        Assert.NotNull(shell.State.LastContactAt);
    }

    [Fact]
    public async Task RunAsync_ChangedHostKey_BlocksHost()
    {
        await using var host = await StartHostAsync();
        var store = PinnedStore(host);
        var pinned = host.HostKeyFingerprint;
        await host.StopServerAsync();
        await host.RegenerateHostKeyAsync();
        await host.StartAsync();
        using var shell = CreateShell(host, store);

        var first = await shell.RunAsync(new CommandRequest("true", [], CommandTimeout, 4096));
        var second = await shell.RunAsync(new CommandRequest("true", [], CommandTimeout, 4096));

        Assert.Equal(CommandStatus.Failed, first.Status);
        Assert.Equal(HostFailure.HostKeyMismatch, first.Failure);
        Assert.Equal(HostFailure.HostKeyMismatch, second.Failure);
        Assert.True(shell.IsBlocked);
        Assert.Equal(1, shell.HandshakeCount);
        Assert.Equal(host.HostKeyFingerprint, shell.State.PresentedKey?.Fingerprint);
        Assert.Contains(host.HostKeyFingerprint, shell.State.Detail, StringComparison.Ordinal);
        Assert.Equal([pinned], store.GetPins(host.Name));
    }

    [Fact]
    public async Task ConnectAsync_UnpinnedKey_Rejects()
    {
        await using var host = await StartHostAsync();
        var store = new InMemoryHostKeyStore(trustOnFirstUse: false);
        using var shell = CreateShell(host, store);

        var state = await shell.ConnectAsync();

        Assert.Equal(HostFailure.HostKeyNotPinned, state.Failure);
        Assert.Equal(host.HostKeyFingerprint, state.PresentedKey?.Fingerprint);
        Assert.Empty(store.GetPins(host.Name));
    }

    [Fact]
    public async Task ConnectAsync_TrustOnFirstUse_PinsFirstKey()
    {
        await using var host = await StartHostAsync();
        var store = new InMemoryHostKeyStore(trustOnFirstUse: true);
        using (var shell = CreateShell(host, store))
        {
            var state = await shell.ConnectAsync();

            Assert.True(state.IsHealthy, state.Detail);
            Assert.Equal([host.HostKeyFingerprint], store.GetPins(host.Name));
        }

        await host.StopServerAsync();
        await host.RegenerateHostKeyAsync();
        await host.StartAsync();
        using var again = CreateShell(host, store);

        var changed = await again.ConnectAsync();

        Assert.Equal(HostFailure.HostKeyMismatch, changed.Failure);
    }

    [Fact]
    public async Task ConnectAsync_KeyPinnedDuringFirstUse_Blocks()
    {
        await using var host = await StartHostAsync();
        var store = new ConfirmingKeyStore(trustOnFirstUse: true) { PinOnEvaluate = OtherFingerprint };
        using var shell = CreateShell(host, store);

        var state = await shell.ConnectAsync();

        Assert.Equal(HostFailure.HostKeyMismatch, state.Failure);
        Assert.True(shell.IsBlocked);
        Assert.Equal(host.HostKeyFingerprint, state.PresentedKey?.Fingerprint);
        Assert.Equal([OtherFingerprint], store.GetPins(host.Name));
    }

    [Fact]
    public async Task ConnectAsync_MismatchConfirmedDuringRecord_Reconnects()
    {
        await using var host = await StartHostAsync();
        var store = new ConfirmingKeyStore(trustOnFirstUse: false) { PinOnMismatchRecord = host.HostKeyFingerprint };
        store.Pin(host.Name, [OtherFingerprint]);
        using var shell = CreateShell(host, store);

        var first = await shell.ConnectAsync();
        var second = await shell.ConnectAsync();

        Assert.Equal(HostFailure.ConnectionLost, first.Failure);
        Assert.Contains("confirmed while Macha was connecting", first.Detail, StringComparison.Ordinal);
        Assert.False(shell.IsBlocked);
        Assert.True(second.IsHealthy, second.Detail);
        Assert.Equal(2, shell.HandshakeCount);
    }

    [Fact]
    public async Task ConnectAsync_WrongClientKey_BacksOff()
    {
        await using var host = await StartHostAsync();
        var otherKey = Path.Combine(host.Directory, "other_key");
        await SshTestHost.GenerateKeyAsync(otherKey);
        using var shell = CreateShell(host, PinnedStore(host), host.ToRemoteHost(privateKeyFile: otherKey));

        var first = await shell.ConnectAsync();
        var command = await shell.RunAsync(new CommandRequest("true", [], CommandTimeout, 4096));

        Assert.Equal(HostFailure.AuthenticationFailed, first.Failure);
        Assert.Equal(HostFailure.AuthenticationFailed, command.Failure);
        Assert.Equal(1, shell.HandshakeCount);
    }

    [Fact]
    public async Task ConnectAsync_MissingKeyFile_ReportsConfiguration()
    {
        await using var host = await StartHostAsync();
        using var shell = CreateShell(host, PinnedStore(host), host.ToRemoteHost(privateKeyFile: Path.Combine(host.Directory, "absent")));

        var state = await shell.ConnectAsync();

        Assert.Equal(HostFailure.InvalidConfiguration, state.Failure);
        Assert.Equal(0, shell.HandshakeCount);
    }

    [Fact]
    public async Task RunAsync_SudoNeedsPassword_ReportsIt()
    {
        await using var host = await StartHostAsync();
        using var shell = CreateShell(host, PinnedStore(host), host.ToRemoteHost(user: SshTestHost.UnprivilegedUser));

        var result = await shell.RunAsync(new CommandRequest("sudo", ["-n", "systemctl", "restart", "--", "nginx.service"], CommandTimeout, 4096));

        Assert.Equal(CommandStatus.Exited, result.Status);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(HostFailure.SudoPasswordRequired, result.Failure);
    }

    [Fact]
    public async Task RunAsync_ServerStopped_RetriesOnce()
    {
        await using var host = await StartHostAsync();
        using var shell = CreateShell(host, PinnedStore(host));
        Assert.True((await shell.ConnectAsync()).IsHealthy);

        await host.StopServerAsync();
        var lost = await shell.RunAsync(new CommandRequest("true", [], CommandTimeout, 4096));
        var afterward = await shell.RunAsync(new CommandRequest("true", [], CommandTimeout, 4096));

        // The closed connection is noticed, one new connection is tried and refused, and no more follow.
        Assert.Equal(CommandStatus.Failed, lost.Status);
        Assert.Contains(lost.Failure, new HostFailure?[] { HostFailure.ConnectionRefused, HostFailure.ConnectionLost });
        Assert.Equal(lost.Failure, afterward.Failure);
        Assert.InRange(shell.HandshakeCount, 1, 2);
    }

    [Fact]
    public async Task ConnectAsync_NothingListening_IsRefused()
    {
        await using var host = await StartHostAsync();
        await host.StopServerAsync();
        using var shell = CreateShell(host, PinnedStore(host));

        var state = await shell.ConnectAsync();

        Assert.Equal(HostFailure.ConnectionRefused, state.Failure);
    }

    [Fact]
    public async Task ConnectAsync_FrozenServer_TimesOut()
    {
        await using var host = await StartHostAsync();
        await host.FreezeAsync();
        using var shell = CreateShell(host, PinnedStore(host));

        var state = await shell.ConnectAsync();

        Assert.Equal(HostFailure.TimedOut, state.Failure);
    }

    [Fact]
    public async Task RunAsync_HungConnection_TimesOut()
    {
        await using var host = await StartHostAsync();
        using var shell = CreateShell(host, PinnedStore(host));
        Assert.True((await shell.ConnectAsync()).IsHealthy);

        await host.FreezeAsync();
        var hung = await shell.RunAsync(new CommandRequest("true", [], TimeSpan.FromSeconds(1), 4096));
        var next = await shell.RunAsync(new CommandRequest("true", [], TimeSpan.FromSeconds(1), 4096));

        Assert.Equal(CommandStatus.TimedOut, hung.Status);
        Assert.Equal(HostFailure.TimedOut, hung.Failure);
        Assert.Equal(HostFailure.TimedOut, next.Failure);
        Assert.Equal(1, shell.HandshakeCount);
    }

    // The slow command's timeout, and the probe that follows it, run on a fake clock. The clock moves
    // only once the remote process has started, so neither depends on how fast a loaded machine is.
    [Fact]
    public async Task RunAsync_SlowCommand_KeepsConnection()
    {
        await using var host = await StartHostAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var shell = CreateShell(host, PinnedStore(host), time: time);
        var pidFile = Path.Combine(host.Directory, "sleeper.pid");
        var request = new CommandRequest("sh", ["-c", "echo $$ > \"$0\"; exec sleep 300", pidFile], TimeSpan.FromSeconds(1), 4096);

        var run = shell.RunAsync(request);
        await WaitForProcessIdAsync(pidFile, run);
        time.Advance(request.Timeout);
        var slow = await run.WaitAsync(TimeSpan.FromSeconds(60));
        var next = await shell.RunAsync(new CommandRequest("true", [], CommandTimeout, 4096));

        Assert.Equal(CommandStatus.TimedOut, slow.Status);
        Assert.Null(slow.Failure);
        Assert.True(next.Succeeded, next.Describe("true"));
        Assert.Equal(1, shell.HandshakeCount);
    }

    [Fact]
    public async Task RunAsync_TimedOut_StopsRemoteProcess()
    {
        await using var host = await StartHostAsync("stopped");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var shell = CreateShell(host, PinnedStore(host), time: time);
        var pidFile = Path.Combine(host.Directory, "sleeper.pid");
        var request = new CommandRequest("sh", ["-c", "echo $$ > \"$0\"; exec sleep 300", pidFile], TimeSpan.FromSeconds(1), 4096);

        var run = shell.RunAsync(request);
        var processId = await WaitForProcessIdAsync(pidFile, run);
        time.Advance(request.Timeout);
        var slow = await run.WaitAsync(TimeSpan.FromSeconds(60));

        // Stopping the remote process takes a round trip to sshd, and the sleep would run for 300 s by itself.
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (Directory.Exists($"/proc/{processId}") && !IsZombie(processId) && !limit.IsCancellationRequested)
        {
            await Task.Delay(100, CancellationToken.None);
        }

        Assert.Equal(CommandStatus.TimedOut, slow.Status);
        Assert.True(!Directory.Exists($"/proc/{processId}") || IsZombie(processId), $"the remote sleep (PID {processId}) still runs after its command timed out");
    }

    [Fact]
    public async Task RunAsync_MissingProgram_IsNotFound()
    {
        await using var host = await StartHostAsync();
        using var shell = CreateShell(host, PinnedStore(host));

        var result = await shell.RunAsync(new CommandRequest("macha-no-such-program", ["x"], CommandTimeout, 4096));

        Assert.Equal(CommandStatus.NotFound, result.Status);
        Assert.Null(result.Failure);
    }

    [Fact]
    public async Task RunAsync_OutputOverCap_IsTruncated()
    {
        await using var host = await StartHostAsync();
        using var shell = CreateShell(host, PinnedStore(host));

        var result = await shell.RunAsync(new CommandRequest("head", ["-c", "100000", "/dev/zero"], CommandTimeout, 4096));

        Assert.True(result.Succeeded, result.Describe("head"));
        Assert.True(result.OutputTruncated);
        Assert.Equal(4096, result.StandardOutput.Length);
    }

    [Fact]
    public async Task ReadFileAsync_RemoteFiles_ReadOrMissing()
    {
        await using var host = await SshTestHost.CreateAsync("files");
        host.WithFile("/etc/os-release", "ID=alpine\nNAME=\"Alpine Linux\"\n");
        await host.StartAsync();
        using var shell = CreateShell(host, PinnedStore(host));

        var present = await shell.ReadFileAsync("/etc/os-release", 4096);
        var capped = await shell.ReadFileAsync("/etc/os-release", 9);
        var missing = await shell.ReadFileAsync("/etc/macha-absent", 4096);

        Assert.True(present.Exists, present.Error);
        Assert.Equal("ID=alpine\nNAME=\"Alpine Linux\"\n", present.Content);
        Assert.Equal("ID=alpine", capped.Content);
        Assert.False(missing.Exists);
        Assert.Contains("No such file", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadFilesAsync_AwkwardNames_OneCommand()
    {
        await using var host = await StartHostAsync("batch");
        using var shell = CreateShell(host, PinnedStore(host));
        var directory = Path.Combine(host.Directory, "it's \"odd\" $HOME;x\\y \\x2d");
        Directory.CreateDirectory(directory);
        var awkward = Path.Combine(directory, "a b'c\"d$e;f\\g.txt");
        var noNewline = Path.Combine(directory, "no-newline");
        var empty = Path.Combine(directory, "empty");
        await File.WriteAllTextAsync(awkward, "first line\nsecond line\n");
        await File.WriteAllTextAsync(noNewline, "tail");
        await File.WriteAllTextAsync(empty, "");
        var before = shell.CommandCount;

        var results = await shell.ReadFilesAsync(
        [
            new(awkward, 4096), new(noNewline, 4096), new(empty, 4096), new(Path.Combine(directory, "absent"), 4096),
            new(directory, 4096), new(awkward, 5), new("/proc/loadavg", 4096),
        ], CommandTimeout);

        Assert.Equal(1, shell.CommandCount - before);
        Assert.Equal("first line\nsecond line\n", results[0].Content);
        Assert.Equal("tail", results[1].Content);
        Assert.True(results[2].Exists, results[2].Error);
        Assert.Equal("", results[2].Content);
        Assert.False(results[3].Exists);
        Assert.Contains("No such file", results[3].Error, StringComparison.Ordinal);
        Assert.False(results[4].Exists);
        Assert.Contains("directory", results[4].Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("first", results[5].Content);
        Assert.True(results[6].Exists, results[6].Error);
        Assert.Matches(@"^\d+\.\d+ \d+\.\d+ \d+\.\d+ \d+/\d+ \d+\n$", results[6].Content);
    }

    [Fact]
    public async Task ReadFilesAsync_ServerStopped_AllUnread()
    {
        await using var host = await StartHostAsync("batchdown");
        using var shell = CreateShell(host, PinnedStore(host));
        Assert.True((await shell.ConnectAsync()).IsHealthy);
        await host.StopServerAsync();

        var results = await shell.ReadFilesAsync([new("/proc/loadavg", 4096), new("/proc/uptime", 4096)], CommandTimeout);

        Assert.All(results, result =>
        {
            Assert.False(result.Exists);
            Assert.Contains("2 files", result.Error, StringComparison.Ordinal);
        });
    }

    private static bool IsZombie(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }

    internal static async Task<SshTestHost> StartHostAsync(string name = "remote")
    {
        var host = await SshTestHost.CreateAsync(name);
        try
        {
            await host.StartAsync();
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    private static readonly string OtherFingerprint = "SHA256:" + Convert.ToBase64String(new byte[32]).TrimEnd('=');

    /// <summary>
    /// A key store that pins a key the way a person's confirmation would, at a chosen point of the
    /// handshake: while the presented key is evaluated, or while a mismatch is recorded.
    /// </summary>
    private sealed class ConfirmingKeyStore(bool trustOnFirstUse) : IHostKeyStore
    {
        private readonly InMemoryHostKeyStore _inner = new(trustOnFirstUse);

        public string? PinOnEvaluate { get; set; }

        public string? PinOnMismatchRecord { get; set; }

        public void Pin(string hostName, IEnumerable<string> fingerprints) => _inner.Pin(hostName, fingerprints);

        public IReadOnlySet<string> GetPins(string hostName) => _inner.GetPins(hostName);

        public HostKeyVerdict Evaluate(string hostName, HostKeyOffer offer)
        {
            var verdict = _inner.Evaluate(hostName, offer);
            if (PinOnEvaluate is { } fingerprint)
            {
                PinOnEvaluate = null;
                _inner.Pin(hostName, [fingerprint]);
            }

            return verdict;
        }

        public Task RecordAsync(string hostName, HostKeyOffer offer, HostKeyVerdict verdict, CancellationToken cancellationToken = default)
        {
            if (verdict == HostKeyVerdict.Mismatch && PinOnMismatchRecord is { } fingerprint)
            {
                PinOnMismatchRecord = null;
                _inner.Pin(hostName, [fingerprint]);
            }

            return _inner.RecordAsync(hostName, offer, verdict, cancellationToken);
        }
    }

    internal static InMemoryHostKeyStore PinnedStore(SshTestHost host)
    {
        var store = new InMemoryHostKeyStore(trustOnFirstUse: false);
        store.Pin(host.Name, [host.HostKeyFingerprint]);
        return store;
    }

    internal static HostsOptions FastOptions() => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(8),
        KeepAliveInterval = TimeSpan.FromSeconds(30),
        ConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        RetryDelay = TimeSpan.FromMinutes(1),
    };

    private static SshHostShell CreateShell(SshTestHost host, IHostKeyStore store, RemoteHost? remote = null, TimeProvider? time = null) =>
        new(remote ?? host.ToRemoteHost(), store, FastOptions(), time ?? TimeProvider.System, NullLogger<SshHostShell>.Instance);

    /// <summary>Waits until the remote command has written its process id into <paramref name="path"/>.</summary>
    private static async Task<int> WaitForProcessIdAsync(string path, Task<CommandResult> run)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!run.IsCompleted)
        {
            // The shell creates the file before it writes the line, so an empty or partial line is read again.
            var text = File.Exists(path) ? await File.ReadAllTextAsync(path, limit.Token) : "";
            if (text.EndsWith('\n'))
            {
                return int.Parse(text.Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }

            await Task.Delay(50, limit.Token);
        }

        var result = await run;
        throw new InvalidOperationException($"The command ended before it wrote its process id: {result.Describe("sh")}");
    }
}
