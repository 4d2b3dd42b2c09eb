using System.Text.Json;
using System.Text.Json.Nodes;
using Macha.Core.Actions.Autonomy;
using Macha.Core.Actions.Execution;
using Macha.Core.Analysis;
using Macha.Core.Analysis.Decisions;
using Macha.Core.Approvals;
using Macha.Core.Detection;
using Macha.Core.Hosts;
using Macha.Core.Incidents;
using Macha.Core.Notifications;
using Macha.Core.Storage;
using Macha.Core.Storage.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Actions;

/// <summary>What became of one proposal.</summary>
/// <param name="Request">The validated request; null when the proposal was rejected.</param>
/// <param name="ApprovalId">The approval that waits for a person, when the outcome is AwaitApproval.</param>
/// <param name="Execution">What happened when the request ran at once.</param>
public sealed record PlannedAction(
    string Kind,
    ActionOutcome Outcome,
    string Reason,
    ActionRequest? Request = null,
    Guid? ApprovalId = null,
    ExecutionOutcome? Execution = null);

/// <summary>
/// Turns the proposals of a finished analysis into actions: the model's proposals when it decided,
/// and the rule-based playbooks when the analysis failed or was skipped. Each proposal goes through
/// validation, Macha's risk policy, protected targets, the autonomy level and the rate limits; then
/// it runs, waits for approval, is recorded, or is refused, and every outcome is audited.
/// </summary>
internal sealed partial class ActionPlanner
{
    private const string Actor = "macha";

    private readonly AutonomyPolicy _autonomy;
    private readonly ActionRateLimiter _rateLimiter;
    private readonly ApprovalQueue _approvals;
    private readonly ActionExecutor _executor;
    private readonly ActionDryRun _dryRun;
    private readonly AutonomySwitch _autonomySwitch;
    private readonly IHostInventory _inventory;
    private readonly IAuditLog _audit;
    private readonly IDbContextFactory<MachaDbContext> _databases;
    private readonly IOptionsMonitor<ActionOptions> _options;
    private readonly ILogger<ActionPlanner> _logger;
    private readonly INotificationSink? _notifications;
    private readonly ActionOutcomeListeners? _outcomeListeners;

    public ActionPlanner(
        AutonomyPolicy autonomy,
        ActionRateLimiter rateLimiter,
        ApprovalQueue approvals,
        ActionExecutor executor,
        ActionDryRun dryRun,
        AutonomySwitch autonomySwitch,
        IHostInventory inventory,
        IAuditLog audit,
        IDbContextFactory<MachaDbContext> databases,
        IOptionsMonitor<ActionOptions> options,
        ILogger<ActionPlanner> logger,
        INotificationSink? notifications = null,
        ActionOutcomeListeners? outcomeListeners = null)
    {
        _autonomy = autonomy;
        _rateLimiter = rateLimiter;
        _approvals = approvals;
        _executor = executor;
        _dryRun = dryRun;
        _autonomySwitch = autonomySwitch;
        _inventory = inventory;
        _audit = audit;
        _databases = databases;
        _options = options;
        _logger = logger;
        _notifications = notifications;
        _outcomeListeners = outcomeListeners;
    }

    public async Task<IReadOnlyList<PlannedAction>> PlanAsync(AnalysisRecord analysis, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(analysis);

        IncidentRecord? incident;
        await using (var db = await _databases.CreateDbContextAsync(cancellationToken))
        {
            incident = await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == analysis.IncidentId, cancellationToken);
        }

        if (incident is null)
        {
            return [];
        }

        var decision = analysis is { State: AnalysisState.Succeeded, DecisionJson: { } json }
            ? JsonSerializer.Deserialize<AnalysisDecision>(json)
            : null;
        var (proposals, origin) = decision is not null
            ? (decision.ProposedActions, ActionOrigin.Analyst)
            : (Playbooks.For(incident), ActionOrigin.Playbook);

        var planned = new List<PlannedAction>();
        foreach (var proposal in proposals)
        {
            planned.Add(await PlanOneAsync(proposal, origin, incident, decision?.Diagnosis, cancellationToken));
        }

        return planned;
    }

    private async Task<PlannedAction> PlanOneAsync(
        ProposedAction proposal, ActionOrigin origin, IncidentRecord incident, string? diagnosis, CancellationToken cancellationToken)
    {
        var built = ActionRequestFactory.FromProposal(proposal, incident.HostName, incident.Id, origin);
        if (built.Request is not { } request)
        {
            var rejection = built.Rejection ?? "the proposal is invalid";
            await AuditAsync(AuditEventTypes.ActionRefused, incident, proposal.Kind, rejection, null);
            return new PlannedAction(proposal.Kind, ActionOutcome.Refuse, rejection);
        }

        var options = _options.CurrentValue;

        var autonomy = await _autonomySwitch.GetStateAsync(cancellationToken);

        // A host's own autonomy level, from the inventory, replaces the global one for actions on it.
        var level = _inventory.GetAutonomyLevel(incident.HostName) ?? options.AutonomyLevel;
        var verdict = _rateLimiter.Apply(request, _autonomy.Decide(request, level, autonomy.Paused));
        LogPlanned(incident.HostName, request.Kind, verdict.Outcome, verdict.Reason);

        switch (verdict.Outcome)
        {
            case ActionOutcome.Execute when request is ExecutableActionRequest executable
                && _inventory.GetHosts().FirstOrDefault(h => h.HostName == incident.HostName) is { } shell:
                var execution = await _executor.ExecuteAsync(executable, shell, Actor, StillUnpausedAsync, cancellationToken);
                _notifications?.Publish(new ActionFinished(
                    request.HostName, request.Kind, request.ChangedUnit, execution.Succeeded, execution.Reason, request.DedupKey, RolledBack: execution.UndoAttempted));
                await (_outcomeListeners?.NotifyAsync(executable, execution, diagnosis) ?? Task.CompletedTask);
                return new PlannedAction(request.Kind, verdict.Outcome, verdict.Reason, request, Execution: execution);

            case ActionOutcome.Execute or ActionOutcome.AwaitApproval when request is ExecutableActionRequest executable:
                // The approval shows the first command; every kind but a NixOS rebuild builds one.
                // Execution rebuilds all commands from the stored proposal.
                var queued = await _approvals.EnqueueAsync(
                    new ApprovalRequest
                    {
                        HostName = request.HostName,
                        ActionKind = request.Kind,
                        Argv = [executable.BuildCommands()[0].Program, .. executable.BuildCommands()[0].Arguments],
                        Risk = verdict.Risk.ToString(),
                        Reason = request.Reason,
                        Diagnosis = diagnosis,
                        ExpectedEffect = request.ExpectedEffect,
                        Undo = request.Undo,
                        DryRunOutput = await PreviewAsync(executable, cancellationToken),
                        IncidentId = incident.Id,
                        DedupKey = request.DedupKey,
                        ProposalJson = JsonSerializer.Serialize(proposal),
                    },
                    cancellationToken);
                await AuditAsync(AuditEventTypes.ActionQueued, incident, request.Kind, verdict.Reason, queued.Approval.Id);
                return new PlannedAction(request.Kind, ActionOutcome.AwaitApproval, verdict.Reason, request, queued.Approval.Id);

            case ActionOutcome.Refuse:
                await AuditAsync(AuditEventTypes.ActionRefused, incident, request.Kind, verdict.Reason, null);
                return new PlannedAction(request.Kind, verdict.Outcome, verdict.Reason, request);

            default:
                await AuditAsync(AuditEventTypes.Decision, incident, request.Kind, $"recorded only: {verdict.Reason}", null);
                return new PlannedAction(request.Kind, ActionOutcome.RecordOnly, verdict.Reason, request);
        }
    }

    // A preview runs only for an action that is not already waiting, because the queue keeps the
    // pending one and would drop this preview.
    private async Task<string?> PreviewAsync(ExecutableActionRequest request, CancellationToken cancellationToken)
    {
        if (await _approvals.IsPendingAsync(request.DedupKey, cancellationToken))
        {
            return null;
        }

        var shell = _inventory.GetHosts().FirstOrDefault(h => h.HostName == request.HostName);
        return shell is null
            ? ActionDryRun.FailedPrefix + $"host {request.HostName} is not in the inventory."
            : await _dryRun.RunAsync(request, shell, cancellationToken);
    }

    // Autonomy may have been paused since the decision above; an action that has not started yet
    // must then not start.
    private async Task<string?> StillUnpausedAsync(CancellationToken cancellationToken)
    {
        var state = await _autonomySwitch.GetStateAsync(cancellationToken);
        return state.Paused
            ? $"Autonomy was paused by {state.PausedBy ?? "someone"} after this action was decided and before it started, so nothing ran."
            : null;
    }

    private async Task AuditAsync(string type, IncidentRecord incident, string kind, string reason, Guid? approvalId)
    {
        var data = new JsonObject { ["kind"] = kind, ["reason"] = reason, ["fingerprint"] = incident.Fingerprint };
        if (approvalId is { } id)
        {
            data["approval_id"] = id;
        }

        try
        {
            await _audit.AppendAsync(AuditFile.Actions, new AuditEvent(type, Actor, incident.HostName, incident.Id, data), CancellationToken.None);
        }
        catch (AuditWriteException)
        {
            // The audit log has logged the file and the cause; planning goes on.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Action {ActionKind} on host {HostName}: {ActionOutcome} ({Reason})")]
    private partial void LogPlanned(string hostName, string actionKind, ActionOutcome actionOutcome, string reason);
}

/// <summary>
/// The rule-based remediations that apply when the model gave no decision: restart a failed unit
/// (or clear a stale failure record), and vacuum the journal when a system filesystem is full.
/// </summary>
internal static class Playbooks
{
    private static readonly string[] JournalMountPoints = ["/", "/var", "/var/log"];

    public static IReadOnlyList<ProposedAction> For(IncidentRecord incident)
    {
        ArgumentNullException.ThrowIfNull(incident);

        if (incident.Kind == nameof(FindingKind.FailedUnit))
        {
            // A unit whose file is gone cannot be restarted; only its failed state can be cleared.
            var notFound = incident.Evidence.Contains("load=not-found", StringComparison.Ordinal);
            return
            [
                new ProposedAction
                {
                    Kind = notFound ? ActionKinds.ResetFailedUnit : ActionKinds.RestartUnit,
                    Unit = incident.Subject,
                    Reason = notFound
                        ? $"{incident.Subject} failed and its unit file no longer exists, so its failure record is stale."
                        : $"{incident.Subject} failed; a restart is the standard first remedy.",
                    ExpectedEffect = notFound ? "The unit no longer shows as failed." : "The unit is active again.",
                    Undo = notFound ? "Nothing to undo." : "Stop the unit if the restart makes things worse.",
                },
            ];
        }

        if (incident.Kind == nameof(FindingKind.DiskSpace) && JournalMountPoints.Contains(incident.Subject))
        {
            return
            [
                new ProposedAction
                {
                    Kind = ActionKinds.VacuumJournal,
                    JournalMaxSize = "500M",
                    Reason = $"{incident.Subject} is nearly full; archived journal files are the safest space to free.",
                    ExpectedEffect = "Archived journal files beyond 500 MB are deleted.",
                    Undo = "Deleted journal entries cannot be restored.",
                },
            ];
        }

        return [];
    }
}
