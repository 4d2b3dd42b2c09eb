using Macha.Core.Hosts;

namespace Macha.Tests.Fakes;

/// <summary>
/// A host shell that replays recorded command outputs and file contents. A command or file that was
/// not recorded behaves as missing on the host.
/// </summary>
internal sealed class ReplayShell : IHostShell
{
    private readonly Dictionary<string, Func<CommandRequest, CancellationToken, Task<CommandResult>>> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);
    private readonly List<TimeSpan> _hangingTimeouts = [];
    private int _hangingNow;
    private int _maxHangingAtOnce;

    public ReplayShell(string hostName = "test-host")
    {
        HostName = hostName;
    }

    public string HostName { get; }

    /// <summary>Every command run, as display text, in order.</summary>
    public List<string> CommandsRun { get; } = [];

    public ReplayShell WithFile(string path, string content)
    {
        _files[path] = content;
        return this;
    }

    /// <summary>Records the output of a command line, matched by its exact display text.</summary>
    public ReplayShell WithCommand(string commandLine, string standardOutput, int exitCode = 0, string standardError = "")
    {
        _commands[commandLine] = (_, _) => Task.FromResult(
            new CommandResult(CommandStatus.Exited, exitCode, standardOutput, standardError, TimeSpan.FromMilliseconds(1)));
        return this;
    }

    /// <summary>The maximum number of hanging commands that waited for their timeouts at the same time.</summary>
    public int MaxHangingAtOnce => Volatile.Read(ref _maxHangingAtOnce);

    /// <summary>The timeout of every hanging command run, in the order they started.</summary>
    public IReadOnlyList<TimeSpan> HangingTimeouts
    {
        get
        {
            lock (_hangingTimeouts)
            {
                return [.. _hangingTimeouts];
            }
        }
    }

    /// <summary>Records a command that never returns until its timeout, as df on a dead NFS mount.</summary>
    public ReplayShell WithHangingCommand(string commandLine)
    {
        _commands[commandLine] = async (request, cancellationToken) =>
        {
            lock (_hangingTimeouts)
            {
                _hangingTimeouts.Add(request.Timeout);
                _hangingNow++;
                _maxHangingAtOnce = Math.Max(_maxHangingAtOnce, _hangingNow);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(request.Timeout);
            try
            {
                await Task.Delay(Timeout.Infinite, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            finally
            {
                lock (_hangingTimeouts)
                {
                    _hangingNow--;
                }
            }

            return new CommandResult(CommandStatus.TimedOut, null, "", "", request.Timeout, FailureReason: "killed at timeout");
        };
        return this;
    }

    /// <summary>Records outputs that a command line returns in turn; its last result repeats once the others are used.</summary>
    public ReplayShell WithCommandSequence(string commandLine, params CommandResult[] results)
    {
        var next = 0;
        _commands[commandLine] = (_, _) => Task.FromResult(results[Math.Min(next++, results.Length - 1)]);
        return this;
    }

    public ReplayShell WithCommandResult(string commandLine, CommandResult result)
    {
        _commands[commandLine] = (_, _) => Task.FromResult(result);
        return this;
    }

    public Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellationToken = default)
    {
        // A collector can start several commands at once, such as a batch of mount probes.
        lock (CommandsRun)
        {
            CommandsRun.Add(request.DisplayText);
        }

        if (_commands.TryGetValue(request.DisplayText, out var handler))
        {
            return handler(request, cancellationToken);
        }

        return Task.FromResult(new CommandResult(
            CommandStatus.NotFound, null, "", "", TimeSpan.Zero, FailureReason: "not recorded in the replay shell"));
    }

    public Task<FileReadResult> ReadFileAsync(string path, int maxBytes, CancellationToken cancellationToken = default)
    {
        if (_files.TryGetValue(path, out var content))
        {
            return Task.FromResult(new FileReadResult(true, content.Length > maxBytes ? content[..maxBytes] : content));
        }

        return Task.FromResult(FileReadResult.Missing($"{path}: No such file or directory"));
    }
}
