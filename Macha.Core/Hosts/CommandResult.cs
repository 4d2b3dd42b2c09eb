namespace Macha.Core.Hosts;

public enum CommandStatus
{
    /// <summary>The process ran and exited; its exit code may still be non-zero.</summary>
    Exited,

    /// <summary>The process was killed at its timeout.</summary>
    TimedOut,

    /// <summary>The program does not exist on the host.</summary>
    NotFound,

    /// <summary>The process could not be started, or the transport failed.</summary>
    Failed,
}

/// <summary>The outcome of one command.</summary>
/// <param name="OutputTruncated">True when standard output reached the request's cap and the rest was dropped.</param>
/// <param name="Failure">
/// Why a remote command could not run as asked (the connection, the host key, sudo), or null when the
/// transport worked; the process's own exit code is still in <paramref name="ExitCode"/>.
/// </param>
public sealed record CommandResult(
    CommandStatus Status,
    int? ExitCode,
    string StandardOutput,
    string StandardError,
    TimeSpan Elapsed,
    bool OutputTruncated = false,
    string? FailureReason = null,
    HostFailure? Failure = null)
{
    public bool Succeeded => Status == CommandStatus.Exited && ExitCode == 0;

    /// <summary>A one-line reason for a status other than success, for collector status details.</summary>
    public string Describe(string commandText) => Status switch
    {
        CommandStatus.Exited when ExitCode == 0 => $"{commandText} succeeded",
        CommandStatus.Exited => $"{commandText} exited with code {ExitCode}: {FirstLine(StandardError)}",
        CommandStatus.TimedOut => $"{commandText} timed out after {Elapsed.TotalSeconds:0.#} s and was killed",
        CommandStatus.NotFound => $"{commandText}: program not found",
        _ => $"{commandText} failed: {FailureReason}",
    };

    private static string FirstLine(string text)
    {
        var trimmed = text.Trim();
        var newline = trimmed.IndexOf('\n', StringComparison.Ordinal);
        var line = newline < 0 ? trimmed : trimmed[..newline];
        return line.Length > 200 ? line[..200] + "…" : line;
    }
}

/// <summary>The outcome of reading one file.</summary>
public sealed record FileReadResult(bool Exists, string Content, string? Error = null)
{
    public static FileReadResult Missing(string error) => new(false, string.Empty, error);
}
