using System.Globalization;
using Macha.Core.Hosts;
using Macha.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Hosts;

public sealed class LocalProcessShellTests
{
    private readonly LocalProcessShell _shell = new("local", NullLogger<LocalProcessShell>.Instance, TimeProvider.System);

    [Fact]
    public async Task RunAsync_ArgumentsWithShellCharacters_ArePassedVerbatim()
    {
        string[] arguments = ["a b", "it's", "\"quoted\"", "$HOME", "; rm -rf /", "back\\slash", "dev-disk-by\\x2duuid.device"];
        var request = CommandRequest.Create("printf", ["%s\\n", .. arguments]);

        var result = await _shell.RunAsync(request);

        Assert.Equal(CommandStatus.Exited, result.Status);
        Assert.Equal(arguments, result.StandardOutput.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task RunAsync_Always_SetsCLocale()
    {
        var result = await _shell.RunAsync(CommandRequest.Create("env"));

        var variables = result.StandardOutput.Split('\n');
        Assert.Contains("LC_ALL=C", variables);
        Assert.Contains("LANG=C", variables);
    }

    [Fact]
    public async Task RunAsync_NonZeroExit_ReportsCodeAndStandardError()
    {
        var result = await _shell.RunAsync(CommandRequest.Create("ls", "/no/such/directory"));

        Assert.Equal(CommandStatus.Exited, result.Status);
        Assert.NotEqual(0, result.ExitCode);
        Assert.False(result.Succeeded);
        Assert.Contains("No such file or directory", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("exited with code", result.Describe("ls /no/such/directory"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_MissingProgram_ReturnsNotFound()
    {
        var result = await _shell.RunAsync(CommandRequest.Create("macha-no-such-program"));

        Assert.Equal(CommandStatus.NotFound, result.Status);
        Assert.Null(result.ExitCode);
    }

    [Fact]
    public async Task RunAsync_CommandOutlivesTimeout_IsKilledAndReported()
    {
        using var directory = new TestDataDirectory();
        var pidFile = Path.Combine(directory.Path, "pid");
        var time = new FakeTimeProvider();
        var shell = new LocalProcessShell("local", NullLogger<LocalProcessShell>.Instance, time);
        var request = CommandRequest.Create("sh", "-c", "echo $$ > \"$0\"; exec sleep 300", pidFile).WithTimeout(TimeSpan.FromMilliseconds(300));

        var run = shell.RunAsync(request);
        var processId = (await WaitForProcessIdsAsync(pidFile, run))[0];
        var result = await AdvanceUntilExitedAsync(time, request.Timeout, processId, run);

        Assert.Equal(CommandStatus.TimedOut, result.Status);
        Assert.False(IsRunning(processId), $"the sleep (PID {processId}) still runs after its command timed out");
        Assert.Contains("timed out", result.Describe(request.DisplayText), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ChildOfTimedOutCommand_IsKilledToo()
    {
        using var directory = new TestDataDirectory();
        var pidFile = Path.Combine(directory.Path, "pids");
        var time = new FakeTimeProvider();
        var shell = new LocalProcessShell("local", NullLogger<LocalProcessShell>.Instance, time);
        var request = CommandRequest.Create("sh", "-c", "sleep 300 & echo $$ $! > \"$0\"; wait", pidFile).WithTimeout(TimeSpan.FromMilliseconds(500));

        var run = shell.RunAsync(request);
        var processIds = await WaitForProcessIdsAsync(pidFile, run);
        var result = await AdvanceUntilExitedAsync(time, request.Timeout, processIds[0], run);

        // The kill reaches the child with the same call, but the child, now an orphan, dies on its own schedule.
        var childId = processIds[1];
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (IsRunning(childId) && !limit.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None);
        }

        Assert.Equal(CommandStatus.TimedOut, result.Status);
        Assert.False(IsRunning(childId), $"child {childId} still runs");
    }

    [Fact]
    public async Task RunAsync_OutputBeyondCap_IsTruncatedAndFlagged()
    {
        var request = new CommandRequest("head", ["-c", "300000", "/dev/zero"], TimeSpan.FromSeconds(60), 65536);

        var result = await _shell.RunAsync(request);

        Assert.Equal(CommandStatus.Exited, result.Status);
        Assert.Equal(0, result.ExitCode);
        Assert.True(result.OutputTruncated);
        Assert.Equal(65536, result.StandardOutput.Length);
    }

    [Fact]
    public async Task RunAsync_StandardInput_IsClosedSoPromptsDoNotHang()
    {
        var request = CommandRequest.Create("cat").WithTimeout(TimeSpan.FromSeconds(60));

        var result = await _shell.RunAsync(request);

        Assert.Equal(CommandStatus.Exited, result.Status);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task ReadFileAsync_ProcFile_ReadsContentDespiteZeroSize()
    {
        var result = await _shell.ReadFileAsync("/proc/meminfo", 65536);

        Assert.True(result.Exists);
        Assert.StartsWith("MemTotal:", result.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadFileAsync_MissingFile_ReturnsMissingWithReason()
    {
        var result = await _shell.ReadFileAsync("/no/such/file", 1024);

        Assert.False(result.Exists);
        Assert.Empty(result.Content);
        Assert.False(string.IsNullOrEmpty(result.Error));
    }

    [Fact]
    public async Task ReadFileAsync_LargerThanLimit_ReadsOnlyTheLimit()
    {
        var result = await _shell.ReadFileAsync("/proc/self/maps", 100);

        Assert.Equal(100, result.Content.Length);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task ReadFilesAsync_FifoWithoutWriter_UnreadAtTimeout()
    {
        var directory = Directory.CreateTempSubdirectory("macha-fifo-");
        var fifo = Path.Combine(directory.FullName, "pipe");
        await SshTestHost.RunCheckedAsync("mkfifo", fifo);
        var time = new FakeTimeProvider();
        var shell = new LocalProcessShell("local", NullLogger<LocalProcessShell>.Instance, time);
        try
        {
            // Off the test's thread, and bounded, so a read that blocks its caller fails the test instead of hanging it.
            var read = Task.Run(() => shell.ReadFilesAsync([new("/proc/loadavg", 4096), new(fifo, 4096)], TimeSpan.FromMilliseconds(200)));

            // The deadline runs on the fake clock, which moves only once the FIFO's open blocks, so
            // /proc/loadavg has been read by then however slow the machine is.
            // NOTE: one step of the clock right after the open blocked often left the read waiting.
            // The cause is not known, so the clock moves on until the read returns.
            await WaitForFifoOpenToBlockAsync(read);
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (!read.IsCompleted)
            {
                time.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(50, limit.Token);
            }

            var results = await read;

            Assert.True(results[0].Exists, results[0].Error);
            Assert.False(results[1].Exists);
            Assert.Contains("within 0.2 s", results[1].Error, StringComparison.Ordinal);
        }
        finally
        {
            // Opening a FIFO for reading and writing never blocks on Linux. It releases the abandoned
            // reader, which reads end of file once this handle closes.
            new FileStream(fifo, FileMode.Open, FileAccess.ReadWrite).Dispose();
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Waits until the command has written the process ids that it prints into <paramref name="path"/>.</summary>
    private static async Task<int[]> WaitForProcessIdsAsync(string path, Task<CommandResult> run)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!run.IsCompleted)
        {
            // The shell creates the file before it writes the line, so an empty or partial line is read again.
            var text = File.Exists(path) ? await File.ReadAllTextAsync(path, limit.Token) : "";
            if (text.EndsWith('\n'))
            {
                return [.. text.Split(' ', StringSplitOptions.TrimEntries).Select(id => int.Parse(id, CultureInfo.InvariantCulture))];
            }

            await Task.Delay(50, limit.Token);
        }

        var result = await run;
        throw new InvalidOperationException($"The command ended before it wrote its process ids: {result.Describe("sh")}");
    }

    /// <summary>
    /// Moves the fake clock on, one timeout at a time, until the process has exited, then returns the
    /// command's result. The clock stops once the kill has landed, so the shell's grace period after the
    /// kill, on the same clock, cannot run out however slowly the machine reaps the process.
    /// </summary>
    private static async Task<CommandResult> AdvanceUntilExitedAsync(FakeTimeProvider time, TimeSpan step, int processId, Task<CommandResult> run)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (IsRunning(processId) && !run.IsCompleted)
        {
            time.Advance(step);
            await Task.Delay(50, limit.Token);
        }

        return await run.WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Waits until a thread of this process is blocked in the kernel opening a FIFO for reading, which
    /// Linux reports as wait_for_partner in the thread's wchan file.
    /// </summary>
    private static async Task WaitForFifoOpenToBlockAsync(Task read)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!read.IsCompleted)
        {
            foreach (var thread in Directory.EnumerateDirectories("/proc/self/task"))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(thread, "wchan")) == "wait_for_partner")
                    {
                        return;
                    }
                }
                catch (IOException)
                {
                    // The thread ended after the listing.
                }
            }

            await Task.Delay(20, limit.Token);
        }

        await read;
        throw new InvalidOperationException("The read ended before it opened the FIFO.");
    }

    /// <summary>Returns whether the process exists and is not a zombie waiting to be reaped.</summary>
    private static bool IsRunning(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            return !stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }
}
