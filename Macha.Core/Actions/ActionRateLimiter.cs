using Microsoft.Extensions.Options;

namespace Macha.Core.Actions;

/// <summary>
/// Limits what Macha runs by itself: restarts of one unit within <see cref="ActionOptions.RestartWindow"/>,
/// and automatic actions of any kind within one hour. A request over a limit is escalated to approval,
/// never dropped, so a unit that keeps failing reaches a person instead of restarting in a loop.
/// </summary>
/// <remarks>
/// Counts live in memory, so they start from zero when Macha restarts. Windows slide: an action stops
/// counting exactly one window after it ran.
/// </remarks>
public sealed class ActionRateLimiter
{
    /// <summary>The start of the reason of every escalated decision, so the audit log can be searched for it.</summary>
    public const string EscalatedReason = "rate limited: escalated";

    private static readonly TimeSpan GlobalWindow = TimeSpan.FromHours(1);

    private readonly ActionOptions options;
    private readonly TimeProvider timeProvider;
    private readonly Lock gate = new();
    private readonly Queue<DateTimeOffset> automaticActions = new();
    private readonly Dictionary<string, Queue<DateTimeOffset>> restartsByUnit = new(StringComparer.Ordinal);

    public ActionRateLimiter(IOptions<ActionOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);

        this.options = options.Value;
        this.timeProvider = timeProvider;
    }

    /// <summary>
    /// Applies the limits to a decision from <see cref="AutonomyPolicy.Decide(ActionRequest, AutonomyLevel, bool)"/>.
    /// Any outcome but Execute passes through unchanged. An Execute within the limits is counted at once
    /// and returned; one over a limit becomes AwaitApproval with a reason that starts with
    /// <see cref="EscalatedReason"/>. Check and count happen under one lock, so concurrent callers
    /// cannot both take the last slot. Read-only actions are neither limited nor counted.
    /// </summary>
    /// <remarks>Call it only for actions Macha starts by itself; a person's approval is not rate limited.</remarks>
    public ActionDecision Apply(ActionRequest request, ActionDecision decision)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(decision);

        if (decision.Outcome != ActionOutcome.Execute || decision.Risk == ActionRisk.ReadOnly)
        {
            return decision;
        }

        var now = timeProvider.GetUtcNow();
        lock (gate)
        {
            Prune(automaticActions, now - GlobalWindow);
            foreach (var (key, times) in restartsByUnit.ToList())
            {
                Prune(times, now - options.RestartWindow);
                if (times.Count == 0)
                {
                    restartsByUnit.Remove(key);
                }
            }

            Queue<DateTimeOffset>? restarts = null;
            if (request is RestartUnit restart)
            {
                restarts = restartsByUnit.GetValueOrDefault(request.DedupKey) ?? new Queue<DateTimeOffset>();
                if (restarts.Count >= options.RestartLimitPerUnit)
                {
                    return Escalate(decision, $"{restart.Unit} on {request.HostName} was restarted automatically {restarts.Count} times within {options.RestartWindow}, the limit set by {ActionOptions.SectionName}:{nameof(ActionOptions.RestartLimitPerUnit)}.");
                }
            }

            if (automaticActions.Count >= options.MaxAutomaticActionsPerHour)
            {
                return Escalate(decision, $"Macha ran {automaticActions.Count} automatic actions within the last hour, the limit set by {ActionOptions.SectionName}:{nameof(ActionOptions.MaxAutomaticActionsPerHour)}.");
            }

            automaticActions.Enqueue(now);
            if (restarts is not null)
            {
                restarts.Enqueue(now);
                restartsByUnit[request.DedupKey] = restarts;
            }
        }

        return decision;
    }

    /// <summary>
    /// Returns whether a request identical to <paramref name="request"/> (same host, kind and arguments) is
    /// already pending, given the <see cref="ActionRequest.DedupKey"/> of every pending request.
    /// </summary>
    public static bool IsDuplicate(ActionRequest request, IReadOnlySet<string> pendingKeys)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(pendingKeys);

        return pendingKeys.Contains(request.DedupKey);
    }

    // Drops times at or before the cutoff, which are a whole window old or older.
    private static void Prune(Queue<DateTimeOffset> times, DateTimeOffset cutoff)
    {
        while (times.TryPeek(out var oldest) && oldest <= cutoff)
        {
            times.Dequeue();
        }
    }

    private static ActionDecision Escalate(ActionDecision decision, string detail) =>
        decision with { Outcome = ActionOutcome.AwaitApproval, Reason = $"{EscalatedReason}. {detail}" };
}
