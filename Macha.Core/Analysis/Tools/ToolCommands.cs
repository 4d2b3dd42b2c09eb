using Macha.Core.Hosts;

namespace Macha.Core.Analysis.Tools;

/// <summary>Limits and failure texts shared by the tools that run commands.</summary>
internal static class ToolCommands
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Cap on captured standard output of one command, in bytes.</summary>
    public const int DefaultMaxOutputBytes = 256 * 1024;

    /// <summary>Creates a request with the default timeout and output cap.</summary>
    public static CommandRequest Create(string program, params string[] arguments) =>
        new(program, arguments, DefaultTimeout, DefaultMaxOutputBytes);

    /// <summary>Whether the command ran to its end, whatever its exit code.</summary>
    public static bool Ran(CommandResult result) => result.Status == CommandStatus.Exited;

    /// <summary>Creates a failed output with the reason the command gave no usable result.</summary>
    public static ToolOutput Failed(IHostShell shell, CommandRequest request, CommandResult result) =>
        new(false, Describe(shell, request, result), ToolOutputBudget.SizeOf(result));

    /// <summary>One sanitized line saying how the command ended, on which host.</summary>
    public static string Describe(IHostShell shell, CommandRequest request, CommandResult result) =>
        ToolOutputBudget.Sanitize($"On host {shell.HostName}, {result.Describe(request.DisplayText)}");

    /// <summary>A line to append when standard output reached the request's cap, or null.</summary>
    public static string? TruncationNote(CommandRequest request, CommandResult result) =>
        result.OutputTruncated
            ? $"[… the command printed more than {request.MaxOutputBytes} bytes; the rest was dropped]"
            : null;

    /// <summary>The sanitized standard error, or null when the command printed none.</summary>
    public static string? ErrorText(CommandResult result)
    {
        var text = ToolOutputBudget.Sanitize(result.StandardError);
        return text.Length == 0 ? null : text;
    }
}
