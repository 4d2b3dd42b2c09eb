using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Macha.Core.Hosts;

/// <summary>Runs commands as child processes of Macha on the machine it runs on.</summary>
internal sealed partial class LocalProcessShell : IHostShell
{
    // A process stuck in uninterruptible sleep (a dead NFS mount) survives SIGKILL until the kernel
    // lets go. After killing, wait this long for it to exit, then abandon it instead of blocking.
    private static readonly TimeSpan KillGracePeriod = TimeSpan.FromSeconds(2);

    // A process can exit while a child it started keeps the output pipes open, such as a systemctl
    // left running by a killed sudo. Reading to the end of output would then wait for that child.
    private static readonly TimeSpan OutputDrainTimeout = TimeSpan.FromSeconds(2);

    // Commands whose process survived its kill, by display text. A df stuck on a dead mount stays
    // stuck, so starting it again every cycle would only pile up unkillable processes.
    private readonly ConcurrentDictionary<string, Process> _stuck = new(StringComparer.Ordinal);

    private readonly ILogger<LocalProcessShell> _logger;
    private readonly TimeProvider _timeProvider;

    public LocalProcessShell(string hostName, ILogger<LocalProcessShell> logger, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostName);
        HostName = hostName;
        _logger = logger;
        _timeProvider = timeProvider;
    }

    public string HostName { get; }

    public async Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);

        if (StillStuck(request) is { } stuckProcessId)
        {
            return new CommandResult(
                CommandStatus.TimedOut,
                null,
                "",
                "",
                TimeSpan.Zero,
                FailureReason: $"its previous run (PID {stuckProcessId}) is still stuck after being killed, so no new one was started");
        }

        var startInfo = new ProcessStartInfo(request.Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var argument in request.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Parsers expect untranslated messages and C number formats on every host.
        startInfo.Environment["LC_ALL"] = "C";
        startInfo.Environment["LANG"] = "C";
        startInfo.Environment["SYSTEMD_COLORS"] = "0";
        startInfo.Environment["SYSTEMD_PAGER"] = "";
        startInfo.Environment["PAGER"] = "cat";

        var started = _timeProvider.GetTimestamp();
        var process = new Process { StartInfo = startInfo };
        try
        {
            return await RunProcessAsync(process, request, started, cancellationToken);
        }
        finally
        {
            if (!_stuck.TryGetValue(request.DisplayText, out var stuck) || !ReferenceEquals(stuck, process))
            {
                process.Dispose();
            }
        }
    }

    private async Task<CommandResult> RunProcessAsync(Process process, CommandRequest request, long started, CancellationToken cancellationToken)
    {
        try
        {
            process.Start();
        }
        catch (Win32Exception ex) when (ex.NativeErrorCode == 2)
        {
            return new CommandResult(CommandStatus.NotFound, null, "", "", TimeSpan.Zero, FailureReason: ex.Message);
        }
        catch (Win32Exception ex)
        {
            return new CommandResult(CommandStatus.Failed, null, "", "", TimeSpan.Zero, FailureReason: ex.Message);
        }

        process.StandardInput.Close();

        var stdoutTask = ReadCappedAsync(process.StandardOutput.BaseStream, request.MaxOutputBytes);
        var stderrTask = ReadCappedAsync(process.StandardError.BaseStream, Math.Max(4096, request.MaxOutputBytes / 4));

        using var timeout = new CancellationTokenSource(request.Timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await process.WaitForExitAsync(linked.Token);
            try
            {
                await Task.WhenAll(stdoutTask, stderrTask).WaitAsync(OutputDrainTimeout, _timeProvider, cancellationToken);
            }
            catch (TimeoutException)
            {
                // The readers finish by themselves once the last holder of the pipes exits.
                LogOutputLeftOpen(request.Program, process.ExitCode);
                return new CommandResult(
                    CommandStatus.Exited,
                    process.ExitCode,
                    string.Empty,
                    string.Empty,
                    _timeProvider.GetElapsedTime(started),
                    FailureReason: "the process exited, but a process it started kept its output open, so its output was not read");
            }

            var stdout = await stdoutTask;
            var stderr = await stderrTask;
            return new CommandResult(
                CommandStatus.Exited,
                process.ExitCode,
                stdout.Text,
                stderr.Text,
                _timeProvider.GetElapsedTime(started),
                stdout.Truncated);
        }
        catch (OperationCanceledException)
        {
            var exited = await KillAsync(process, request);
            if (!exited)
            {
                // Keep the process object alive (not disposed) so the next run can ask whether it exited.
                _stuck[request.DisplayText] = process;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var partial = stdoutTask.IsCompletedSuccessfully ? stdoutTask.Result.Text : string.Empty;
            return new CommandResult(
                CommandStatus.TimedOut,
                null,
                partial,
                string.Empty,
                _timeProvider.GetElapsedTime(started),
                FailureReason: $"killed after {request.Timeout.TotalSeconds:0.#} s");
        }
    }

    /// <remarks>
    /// The read runs on the thread pool, because opening a FIFO that has no writer, or a file on a
    /// dead network mount, blocks inside the kernel. The caller can then stop waiting for it.
    /// NOTE: an abandoned read keeps its thread until the kernel returns, so a file that stays stuck
    /// keeps one more thread-pool thread on every cycle that reads it.
    /// </remarks>
    public Task<FileReadResult> ReadFileAsync(string path, int maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        return Task.Run(() => ReadFile(path, maxBytes), cancellationToken);
    }

    public Task<IReadOnlyList<FileReadResult>> ReadFilesAsync(IReadOnlyList<FileReadRequest> files, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        IHostShell.ReadOneByOneAsync(this, files, timeout, _timeProvider, cancellationToken);

    private static FileReadResult ReadFile(string path, int maxBytes)
    {
        try
        {
            // /proc files report a length of zero, so read until end of stream rather than by size.
            // The buffer grows with what arrives, because most files are far smaller than the cap.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, useAsync: false);
            using var content = new MemoryStream();
            var chunk = new byte[Math.Min(maxBytes, 16 * 1024)];
            while (content.Length < maxBytes)
            {
                var read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, maxBytes - content.Length));
                if (read == 0)
                {
                    break;
                }

                content.Write(chunk, 0, read);
            }

            return new FileReadResult(true, Encoding.UTF8.GetString(content.GetBuffer(), 0, (int)content.Length));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return FileReadResult.Missing(ex.Message);
        }
    }

    /// <summary>Returns the PID of this command's earlier run if it survived its kill and still runs.</summary>
    private int? StillStuck(CommandRequest request)
    {
        if (!_stuck.TryGetValue(request.DisplayText, out var process))
        {
            return null;
        }

        if (!process.HasExited)
        {
            return process.Id;
        }

        if (_stuck.TryRemove(new KeyValuePair<string, Process>(request.DisplayText, process)))
        {
            process.Dispose();
        }

        return null;
    }

    /// <summary>Kills the process tree and returns whether the process exited within the grace period.</summary>
    private async Task<bool> KillAsync(Process process, CommandRequest request)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // The process exited between the timeout and the kill.
            return true;
        }

        using var grace = new CancellationTokenSource(KillGracePeriod, _timeProvider);
        try
        {
            await process.WaitForExitAsync(grace.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            LogProcessSurvivedKill(request.Program, process.Id);
            return false;
        }
    }

    private static async Task<CappedOutput> ReadCappedAsync(Stream stream, int maxBytes)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        var truncated = false;
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk)) > 0)
            {
                var room = maxBytes - (int)buffer.Length;
                if (room > 0)
                {
                    buffer.Write(chunk, 0, Math.Min(room, read));
                }

                // Keep draining past the cap so the child never blocks on a full pipe.
                truncated |= read > room;
            }
        }
        catch (IOException)
        {
            // The pipe closed because the process was killed; keep what arrived.
        }
        catch (ObjectDisposedException)
        {
        }

        return new CappedOutput(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), truncated);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Program} exited with code {ExitCode}, but a process it started still holds its output open; the output was not read")]
    private partial void LogOutputLeftOpen(string program, int exitCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Process {Program} (PID {ProcessId}) did not exit after being killed at its timeout; abandoning it")]
    private partial void LogProcessSurvivedKill(string program, int processId);

    private readonly record struct CappedOutput(string Text, bool Truncated);
}
