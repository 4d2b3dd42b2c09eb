using System.Globalization;
using System.Text;
using Macha.Core.Hosts;
using Macha.Core.Monitoring.Parsers;
using Macha.Core.Storage;
using Macha.Core.Storage.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Actions.Execution;

/// <summary>
/// Runs the commands of an action request on one host, checks the effect afterwards, and writes the
/// start and the outcome to <c>actions.jsonl</c>. It runs restarts, failed-state resets, journal
/// vacuums, Nix garbage collections and diagnostics, and hands NixOS rebuilds and rollbacks to
/// <see cref="NixosPipeline"/>, which checks the host between steps and rolls back on failure.
/// </summary>
/// <remarks>
/// Whether an action may run at all (autonomy, approval, rate limits) is the caller's decision. The
/// executor still refuses protected units and a shell for another host, because those must never
/// run, even when a caller skipped its own checks.
/// </remarks>
public sealed partial class ActionExecutor
{
    /// <summary>Cap on a diagnostic's captured output, in UTF-16 chars, after sanitizing.</summary>
    public const int MaxDiagnosticOutputChars = 64 * 1024;

    private const string NoUndoForRestart =
        "no undo ran: a restart has no automatic undo, so the unit stays as it is and a person must look at it.";

    private readonly ProtectedTargets _protectedTargets;
    private readonly IAuditLog _auditLog;
    private readonly IOptions<ActionOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ActionVerifier _verifier;
    private readonly NixosPipeline _nixos;
    private readonly ILogger<ActionExecutor> _logger;

    public ActionExecutor(
        ProtectedTargets protectedTargets,
        IAuditLog auditLog,
        IOptions<ActionOptions> options,
        TimeProvider timeProvider,
        ILogger<ActionExecutor> logger,
        IDbContextFactory<MachaDbContext>? databases = null,
        HostFindingsProbe? probe = null)
    {
        ArgumentNullException.ThrowIfNull(protectedTargets);
        ArgumentNullException.ThrowIfNull(auditLog);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);

        _protectedTargets = protectedTargets;
        _auditLog = auditLog;
        _options = options;
        _timeProvider = timeProvider;
        _verifier = new ActionVerifier(timeProvider);
        _nixos = new NixosPipeline(new NixosHealthChecks(protectedTargets, databases, probe));
        _logger = logger;
    }

    /// <summary>
    /// Runs <paramref name="request"/> through <paramref name="shell"/>, stopping at the first command
    /// that fails, then checks its effect. Writes action.refused, or action.started followed by
    /// action.succeeded or action.failed; a check that fails is written as action.failed.
    /// </summary>
    /// <param name="actor">Who started the action, for the audit log: "macha" or the approving user's name.</param>
    /// <exception cref="OperationCanceledException">
    /// <paramref name="cancellationToken"/> was cancelled. When commands had started, an action.interrupted
    /// line is written first, because the host may be left half changed.
    /// </exception>
    /// <exception cref="AuditWriteException">An audit line could not be written.</exception>
    public Task<ExecutionOutcome> ExecuteAsync(
        ExecutableActionRequest request, IHostShell shell, string actor, CancellationToken cancellationToken = default) =>
        ExecuteAsync(request, shell, actor, startGuard: null, cancellationToken);

    /// <inheritdoc cref="ExecuteAsync(ExecutableActionRequest, IHostShell, string, CancellationToken)"/>
    /// <param name="startGuard">
    /// Called after the executor's own checks and just before the first command; a non-null result is
    /// a reason to refuse instead of starting. The planner uses it so that an action decided before
    /// autonomy was paused does not start after the pause.
    /// </param>
    public async Task<ExecutionOutcome> ExecuteAsync(
        ExecutableActionRequest request,
        IHostShell shell,
        string actor,
        Func<CancellationToken, Task<string?>>? startGuard,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        cancellationToken.ThrowIfCancellationRequested();

        var refusal = GetRefusalReason(request, shell);
        if (refusal is null && startGuard is not null)
        {
            refusal = await startGuard(cancellationToken).ConfigureAwait(false);
        }

        if (refusal is not null)
        {
            var refused = ExecutionOutcome.Refused(refusal);
            await AppendAsync(AuditEventTypes.ActionRefused, request, actor, ActionAuditData.ForOutcome(request, refused), cancellationToken).ConfigureAwait(false);
            LogActionRefused(request.Kind, request.HostName, refusal);
            return refused;
        }

        var commands = request.BuildCommands();
        await AppendAsync(AuditEventTypes.ActionStarted, request, actor, ActionAuditData.ForStart(request, commands), cancellationToken).ConfigureAwait(false);
        LogActionStarted(request.Kind, request.HostName, actor);

        var started = _timeProvider.GetTimestamp();
        ExecutionOutcome outcome;
        try
        {
            outcome = await RunAndVerifyAsync(request, shell, commands, started, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller is stopping, but the audit log must still show that this action did not finish.
            var elapsed = _timeProvider.GetElapsedTime(started);
            await AppendAsync(AuditEventTypes.ActionInterrupted, request, actor, ActionAuditData.ForInterruption(request, elapsed), CancellationToken.None).ConfigureAwait(false);
            LogActionInterrupted(request.Kind, request.HostName, (long)elapsed.TotalMilliseconds);
            throw;
        }

        if (outcome.UndoAttempted)
        {
            await AppendAsync(AuditEventTypes.ActionUndone, request, actor, ActionAuditData.ForUndo(request, outcome), CancellationToken.None).ConfigureAwait(false);
        }

        var type = outcome.Succeeded ? AuditEventTypes.ActionSucceeded : AuditEventTypes.ActionFailed;
        await AppendAsync(type, request, actor, ActionAuditData.ForOutcome(request, outcome), CancellationToken.None).ConfigureAwait(false);
        LogOutcome(request, outcome);
        return outcome;
    }

    private string? GetRefusalReason(ExecutableActionRequest request, IHostShell shell)
    {
        if (request.ChangedUnit is { } unit && _protectedTargets.GetRefusalReason(unit) is { } protectedReason)
        {
            return protectedReason;
        }

        // Host names compare without case, as DNS names do, matching how requests are deduplicated.
        if (!string.Equals(shell.HostName, request.HostName, StringComparison.OrdinalIgnoreCase))
        {
            return $"the request is for host {request.HostName}, but the shell runs commands on {shell.HostName}; nothing ran.";
        }

        return null;
    }

    private async Task<ExecutionOutcome> RunAndVerifyAsync(
        ExecutableActionRequest request, IHostShell shell, IReadOnlyList<CommandRequest> commands, long started, CancellationToken cancellationToken)
    {
        // Running a rebuild's commands back to back would skip the checks between test and switch.
        if (request is RebuildNixos or RollbackNixos)
        {
            var pipeline = request is RebuildNixos rebuild
                ? await _nixos.RebuildAsync(rebuild, shell, cancellationToken).ConfigureAwait(false)
                : await _nixos.RollBackAsync((RollbackNixos)request, shell, cancellationToken).ConfigureAwait(false);
            return new ExecutionOutcome(
                pipeline.Status,
                pipeline.Reason,
                pipeline.Commands,
                pipeline.OutputExcerpt,
                _timeProvider.GetElapsedTime(started),
                pipeline.Verification,
                UndoAttempted: pipeline.UndoAttempted,
                UndoResult: pipeline.UndoResult,
                Escalates: pipeline.Escalates);
        }

        var executed = new List<ExecutedCommand>(commands.Count);
        var results = new List<(CommandRequest Request, CommandResult Result)>(commands.Count);
        foreach (var command in commands)
        {
            var result = await shell.RunAsync(command, cancellationToken).ConfigureAwait(false);
            executed.Add(ExecutedCommand.From(command, result));
            results.Add((command, result));

            var failure = DescribeFailure(request, command, result, shell.HostName);
            if (failure is not null)
            {
                var output = request is RunDiagnostic ? CaptureDiagnosticOutput(results) : Excerpt(result);
                return new ExecutionOutcome(ExecutionStatus.Failed, failure, executed, output, _timeProvider.GetElapsedTime(started));
            }
        }

        var last = results[^1].Result;
        var outputExcerpt = request is RunDiagnostic ? CaptureDiagnosticOutput(results) : Excerpt(last);
        var verification = await _verifier.VerifyAsync(request, shell, last, _options.Value.RestartSettleTime, cancellationToken).ConfigureAwait(false);
        var elapsed = _timeProvider.GetElapsedTime(started);

        if (verification.Passed)
        {
            var summary = $"{request.Kind} on {request.HostName} succeeded: {verification.Detail}";
            return new ExecutionOutcome(
                ExecutionStatus.Succeeded, summary, executed, outputExcerpt, elapsed, verification.Detail, verification.FreedSpace);
        }

        // No kind defines an automatic undo yet, so every failed check escalates to a person.
        var undoResult = request is RestartUnit ? NoUndoForRestart : "no undo ran: this kind defines no automatic undo.";
        return new ExecutionOutcome(
            ExecutionStatus.VerificationFailed,
            $"{request.Kind} on {request.HostName} ran, but the check afterwards failed: {verification.Detail}; the incident escalates to a person.",
            executed,
            outputExcerpt,
            elapsed,
            verification.Detail,
            UndoAttempted: false,
            UndoResult: undoResult,
            Escalates: true);
    }

    private static string? DescribeFailure(ExecutableActionRequest request, CommandRequest command, CommandResult result, string hostName)
    {
        // sudo -n exits with code 1 and this message when no NOPASSWD rule covers the command. The shell
        // closes standard input, so sudo cannot wait for a password even without -n.
        if (result.Status == CommandStatus.Exited && result.ExitCode == 1 && command.Program == "sudo"
            && result.StandardError.Contains("a password is required", StringComparison.Ordinal))
        {
            return $"sudo on {hostName} needs a password for \"{command.DisplayText}\"; add a NOPASSWD sudo rule for Macha's user that allows exactly this command.";
        }

        // .NET, like a shell, reports a child killed by a signal with exit code 128 plus the signal's number.
        if (result.Status == CommandStatus.Exited && result.ExitCode is > 128 and < 160 && result.StandardError.Length == 0)
        {
            var signal = result.ExitCode.Value - 128;
            return $"{command.DisplayText} exited with code {result.ExitCode}, the code of a process killed by signal {signal}; the host may be partly changed.";
        }

        // systemctl status exits with code 3 for an inactive unit, and its output is what the diagnostic
        // is for, so a diagnostic that exited at all has done its work.
        if (request is RunDiagnostic && result.Status == CommandStatus.Exited)
        {
            return null;
        }

        return result.Succeeded ? null : result.Describe(command.DisplayText);
    }

    private static string Excerpt(CommandResult result)
    {
        var text = result.StandardError.Length == 0 ? result.StandardOutput : result.StandardOutput + "\n" + result.StandardError;
        return LogTextSanitizer.Sanitize(text);
    }

    // LogTextSanitizer keeps only ten lines of one message, so each line is sanitized on its own and the
    // whole output is capped here instead; unit_logs asks for 200 lines.
    private static string CaptureDiagnosticOutput(List<(CommandRequest Request, CommandResult Result)> results)
    {
        var output = new StringBuilder();
        foreach (var (request, result) in results)
        {
            if (results.Count > 1)
            {
                output.Append("$ ").Append(request.DisplayText).Append('\n');
            }

            foreach (var line in result.StandardOutput.Split('\n'))
            {
                output.Append(LogTextSanitizer.Sanitize(line)).Append('\n');
            }

            if (result.OutputTruncated)
            {
                output.Append("[output cut at ").Append(request.MaxOutputBytes.ToString(CultureInfo.InvariantCulture)).Append(" bytes]\n");
            }
        }

        var text = output.ToString().TrimEnd();
        return text.Length <= MaxDiagnosticOutputChars
            ? text
            : text[..MaxDiagnosticOutputChars] + string.Create(CultureInfo.InvariantCulture, $"\n[… {text.Length - MaxDiagnosticOutputChars} more characters cut]");
    }

    private Task<AuditEntry> AppendAsync(string type, ExecutableActionRequest request, string actor, System.Text.Json.Nodes.JsonObject data, CancellationToken cancellationToken) =>
        _auditLog.AppendAsync(AuditFile.Actions, new AuditEvent(type, actor, request.HostName, request.IncidentId, data), cancellationToken);

    private void LogOutcome(ExecutableActionRequest request, ExecutionOutcome outcome)
    {
        var elapsedMs = (long)outcome.Elapsed.TotalMilliseconds;
        switch (outcome.Status)
        {
            case ExecutionStatus.Succeeded:
                LogActionSucceeded(request.Kind, request.HostName, elapsedMs);
                break;
            case ExecutionStatus.VerificationFailed:
                LogVerificationFailed(request.Kind, request.HostName, outcome.Verification ?? string.Empty);
                break;
            default:
                LogActionFailed(request.Kind, request.HostName, outcome.Reason);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Action {ActionKind} on host {HostName} refused: {Reason}")]
    private partial void LogActionRefused(string actionKind, string hostName, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Action {ActionKind} on host {HostName} started by {Actor}")]
    private partial void LogActionStarted(string actionKind, string hostName, string actor);

    [LoggerMessage(Level = LogLevel.Information, Message = "Action {ActionKind} on host {HostName} succeeded in {ElapsedMs} ms")]
    private partial void LogActionSucceeded(string actionKind, string hostName, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Action {ActionKind} on host {HostName} failed: {Reason}")]
    private partial void LogActionFailed(string actionKind, string hostName, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Action {ActionKind} on host {HostName} ran but its check failed, escalating: {Verification}")]
    private partial void LogVerificationFailed(string actionKind, string hostName, string verification);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Action {ActionKind} on host {HostName} interrupted by cancellation after {ElapsedMs} ms")]
    private partial void LogActionInterrupted(string actionKind, string hostName, long elapsedMs);
}
