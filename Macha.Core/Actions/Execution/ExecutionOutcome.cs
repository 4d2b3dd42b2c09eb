using Macha.Core.Hosts;

namespace Macha.Core.Actions.Execution;

/// <summary>How an action run by <see cref="ActionExecutor"/> ended.</summary>
public enum ExecutionStatus
{
    /// <summary>Every command succeeded and the check afterwards passed.</summary>
    Succeeded,

    /// <summary>A command failed, timed out, was missing on the host or needed a sudo password.</summary>
    Failed,

    /// <summary>Every command succeeded, but the check afterwards found the expected state missing.</summary>
    VerificationFailed,

    /// <summary>Nothing ran: the target is protected, the shell is for another host, or the kind cannot run yet.</summary>
    Refused,
}

/// <summary>One command that the executor ran, with how it ended.</summary>
/// <param name="Argv">The program followed by its arguments, exactly as passed to the host.</param>
/// <param name="ExitCode">The exit code, or null when the process did not exit by itself.</param>
public sealed record ExecutedCommand(IReadOnlyList<string> Argv, CommandStatus Status, int? ExitCode, TimeSpan Elapsed)
{
    internal static ExecutedCommand From(CommandRequest request, CommandResult result) =>
        new([request.Program, .. request.Arguments], result.Status, result.ExitCode, result.Elapsed);
}

/// <summary>The result of one action run, as shown to a person and written to the audit log.</summary>
/// <param name="Reason">Why the action failed or was refused, or a one-line summary when it succeeded.</param>
/// <param name="Commands">The action's own commands that ran, in order; empty when it was refused.</param>
/// <param name="OutputExcerpt">
/// The sanitized output of the action's commands. For a diagnostic it is the whole output up to
/// <see cref="ActionExecutor.MaxDiagnosticOutputChars"/>; for other kinds a short excerpt.
/// </param>
/// <param name="Elapsed">Time from the start of the first command to the end of the check, settle wait included.</param>
/// <param name="Verification">What the check afterwards ran and found, or null when no check ran.</param>
/// <param name="FreedSpace">The space a journal vacuum or a Nix garbage collection reported as freed, such as "1.2G".</param>
/// <param name="UndoAttempted">Whether an undo ran after a failed check. No kind defines an automatic undo yet.</param>
/// <param name="UndoResult">How the undo ended, or why none ran, when the check failed.</param>
/// <param name="Escalates">Whether a person must look at the host because Macha cannot repair the result itself.</param>
public sealed record ExecutionOutcome(
    ExecutionStatus Status,
    string Reason,
    IReadOnlyList<ExecutedCommand> Commands,
    string OutputExcerpt,
    TimeSpan Elapsed,
    string? Verification = null,
    string? FreedSpace = null,
    bool UndoAttempted = false,
    string? UndoResult = null,
    bool Escalates = false)
{
    public bool Succeeded => Status == ExecutionStatus.Succeeded;

    internal static ExecutionOutcome Refused(string reason) =>
        new(ExecutionStatus.Refused, reason, [], string.Empty, TimeSpan.Zero);
}
