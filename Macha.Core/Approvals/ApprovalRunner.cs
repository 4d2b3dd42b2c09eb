using System.Text.Json;
using System.Text.Json.Serialization;
using Macha.Core.Actions;
using Macha.Core.Actions.Execution;
using Macha.Core.Analysis.Decisions;
using Macha.Core.Hosts;
using Macha.Core.Notifications;
using Microsoft.Extensions.Logging;

namespace Macha.Core.Approvals;

public enum ApprovalRunStatus
{
    /// <summary>This call approved and started the approval, and it now is Succeeded or Failed.</summary>
    Ran,
    NotFound,

    /// <summary>The approval was not Pending, or another caller started it first, so nothing ran for this call.</summary>
    Conflict,
}

/// <param name="Approval">The approval as stored after the attempt; null when it does not exist.</param>
/// <param name="Execution">
/// The executor's outcome, or null when the request was rejected before it reached the executor. That
/// happens for a proposal that no longer validates, a protected unit or a host missing from the inventory.
/// </param>
internal sealed record ApprovalRunResult(ApprovalRunStatus Status, ApprovalRecord? Approval, ExecutionOutcome? Execution);

/// <summary>
/// Approves a Pending approval for a person and runs its action at once, so that the state always
/// goes from Approved through Running to Succeeded or Failed in one call.
/// </summary>
/// <remarks>
/// The stored proposal, not the stored argv, decides what runs: it is parsed, validated again by
/// <see cref="ActionRequestFactory"/> and checked by <see cref="AutonomyPolicy.DecideApproved"/>, so a
/// proposal changed in the database or a unit protected since it was queued never runs.
/// </remarks>
internal sealed partial class ApprovalRunner
{
    private static readonly JsonSerializerOptions ProposalReadOptions = new()
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private readonly ApprovalQueue _queue;
    private readonly AutonomyPolicy _policy;
    private readonly ActionExecutor _executor;
    private readonly IHostInventory _inventory;
    private readonly ILogger<ApprovalRunner> _logger;
    private readonly ActionOutcomeListeners? _outcomeListeners;
    private readonly INotificationSink? _notifications;

    public ApprovalRunner(
        ApprovalQueue queue,
        AutonomyPolicy policy,
        ActionExecutor executor,
        IHostInventory inventory,
        ILogger<ApprovalRunner> logger,
        ActionOutcomeListeners? outcomeListeners = null,
        INotificationSink? notifications = null)
    {
        _queue = queue;
        _policy = policy;
        _executor = executor;
        _inventory = inventory;
        _logger = logger;
        _outcomeListeners = outcomeListeners;
        _notifications = notifications;
    }

    /// <summary>
    /// Approves the approval for <paramref name="actor"/>, then starts and runs its action and stores
    /// the outcome. Of any number of concurrent callers, at most one runs the action; the others get
    /// <see cref="ApprovalRunStatus.Conflict"/>.
    /// </summary>
    /// <param name="actor">A user name or <see cref="ApprovalActors.ApiToken"/>; recorded on the approval and in the audit log.</param>
    /// <param name="cancellationToken">
    /// Cancels only the approval step. Once the approval is Approved, the start, the execution and the
    /// completion ignore it, because a client that disconnects must not leave the host half changed or
    /// the approval stuck in Approved or Running.
    /// </param>
    public async Task<ApprovalRunResult> ApproveAndRunAsync(Guid id, string actor, string? comment, CancellationToken cancellationToken = default)
    {
        var approval = await _queue.ApproveAsync(id, actor, comment, cancellationToken);
        switch (approval.Status)
        {
            case ApprovalChangeStatus.NotFound:
                return new ApprovalRunResult(ApprovalRunStatus.NotFound, null, null);
            case ApprovalChangeStatus.Conflict:
                return new ApprovalRunResult(ApprovalRunStatus.Conflict, approval.Approval, null);
        }

        // If the process stops between the approval above and the start below, the approval stays
        // Approved, and the next start marks it Failed without running it (ApprovalRecovery).
        if (!await _queue.TryStartExecutionAsync(id, ApprovalActors.Macha, CancellationToken.None))
        {
            return new ApprovalRunResult(ApprovalRunStatus.Conflict, await _queue.GetAsync(id, CancellationToken.None), null);
        }

        var record = approval.Approval!;
        var (succeeded, outcomeText, execution) = await RunStartedAsync(record, actor);
        var completed = await _queue.CompleteAsync(id, succeeded, outcomeText, CancellationToken.None);
        LogApprovalRan(id, record.ActionKind, record.HostName, succeeded ? ApprovalState.Succeeded : ApprovalState.Failed);

        // The person who approved may have left the page, so the outcome also goes out as a notice.
        // That includes a rejected proposal, where nothing ran.
        _notifications?.Publish(new ActionFinished(
            record.HostName,
            record.ActionKind,
            BuildRequest(record).Request?.ChangedUnit,
            succeeded,
            outcomeText,
            record.DedupKey,
            RolledBack: execution?.UndoAttempted ?? false,
            ApprovalId: id,
            ApprovedBy: actor));
        return new ApprovalRunResult(ApprovalRunStatus.Ran, completed.Approval, execution);
    }

    // Runs an approval that is Running and returns how to complete it. It never throws, so the caller
    // can always move the approval out of Running.
    private async Task<(bool Succeeded, string Outcome, ExecutionOutcome? Execution)> RunStartedAsync(ApprovalRecord approval, string actor)
    {
        var built = BuildRequest(approval);
        if (!built.IsAccepted)
        {
            return Fail(approval, $"The stored proposal no longer validates, so nothing ran. {built.Rejection}");
        }

        var decision = _policy.DecideApproved(built.Request);
        if (decision.Outcome != ActionOutcome.Execute || built.Request is not ExecutableActionRequest request)
        {
            return Fail(approval, $"Macha refused to run the approved action, so nothing ran: {decision.Reason}");
        }

        // The person approved the command shown with the approval; run nothing else.
        var first = request.BuildCommands()[0];
        string[] rebuilt = [first.Program, .. first.Arguments];
        string[] approved;
        try
        {
            approved = System.Text.Json.JsonSerializer.Deserialize<string[]>(approval.ArgvJson) ?? [];
        }
        catch (System.Text.Json.JsonException)
        {
            // This method must not throw, or the approval would stay Running.
            approved = [];
        }

        if (!rebuilt.SequenceEqual(approved, StringComparer.Ordinal))
        {
            return Fail(approval, $"The command rebuilt from the proposal ({string.Join(' ', rebuilt)}) differs from the one approved ({string.Join(' ', approved)}), so nothing ran.");
        }

        var shell = _inventory.GetHosts().FirstOrDefault(h => string.Equals(h.HostName, request.HostName, StringComparison.OrdinalIgnoreCase));
        if (shell is null)
        {
            return Fail(approval, $"Host {request.HostName} is not in the inventory any more, so nothing ran.");
        }

        try
        {
            var execution = await _executor.ExecuteAsync(request, shell, actor, CancellationToken.None);
            await (_outcomeListeners?.NotifyAsync(request, execution, approval.Diagnosis) ?? Task.CompletedTask);
            return (execution.Succeeded, execution.Reason, execution);
        }
        catch (Exception ex)
        {
            // Any exception lands here, audit write failures included, because the approval must not
            // stay Running. The host may be half changed, which the outcome says.
            LogExecutionError(ex, approval.Id, approval.ActionKind, approval.HostName);
            return (false, $"The action failed with an unexpected error, and the host may be partly changed; check it and Macha's log. {ex.GetType().Name}: {ex.Message}", null);
        }
    }

    private static ActionRequestResult BuildRequest(ApprovalRecord approval)
    {
        if (string.IsNullOrWhiteSpace(approval.ProposalJson))
        {
            return ActionRequestResult.Rejected("The approval has no stored proposal to rebuild the request from.");
        }

        ProposedAction? proposal;
        try
        {
            proposal = JsonSerializer.Deserialize<ProposedAction>(approval.ProposalJson, ProposalReadOptions);
        }
        catch (JsonException ex)
        {
            return ActionRequestResult.Rejected($"The stored proposal is not valid JSON for a proposed action: {ex.Message}");
        }

        // An approval without an incident gets the empty id, which the factory rejects with its own message.
        return ActionRequestFactory.FromProposal(proposal, approval.HostName, approval.IncidentId ?? Guid.Empty);
    }

    private (bool Succeeded, string Outcome, ExecutionOutcome? Execution) Fail(ApprovalRecord approval, string reason)
    {
        LogNotRun(approval.Id, approval.ActionKind, approval.HostName, reason);
        return (false, reason, null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Approval {ApprovalId} ran {ActionKind} on host {HostName} and ended {State}")]
    private partial void LogApprovalRan(Guid approvalId, string actionKind, string hostName, ApprovalState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Approval {ApprovalId} did not run {ActionKind} on host {HostName}: {Reason}")]
    private partial void LogNotRun(Guid approvalId, string actionKind, string hostName, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Approval {ApprovalId} failed with an unexpected error while running {ActionKind} on host {HostName}")]
    private partial void LogExecutionError(Exception exception, Guid approvalId, string actionKind, string hostName);
}
