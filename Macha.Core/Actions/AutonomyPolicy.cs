namespace Macha.Core.Actions;

public enum ActionOutcome
{
    /// <summary>Run now, without a person.</summary>
    Execute,

    /// <summary>Queue for a person's approval.</summary>
    AwaitApproval,

    /// <summary>Record and show, but never run.</summary>
    RecordOnly,

    /// <summary>Never run, not even after approval; the reason goes to the audit log.</summary>
    Refuse,
}

/// <summary>What happens to one action request, with the risk it was judged at and why, for the audit log.</summary>
public sealed record ActionDecision(ActionOutcome Outcome, ActionRisk Risk, string Reason);

/// <summary>
/// Decides whether an action request runs now, waits for approval, is only recorded, or is refused.
/// The order of the rules:
/// <list type="number">
/// <item>A request that changes a protected unit is refused, at every level and after approval too.</item>
/// <item>A NeverExecuted request, or one that builds no commands, is only recorded.</item>
/// <item>Paused autonomy acts as Observe, whatever the configured level.</item>
/// <item>Observe records everything. Suggest runs ReadOnly and queues the rest. AutoSafe runs ReadOnly and
/// Low and queues the rest. AutoFull runs up to Medium and queues High. Nothing is dropped.</item>
/// </list>
/// Rate limits are applied afterwards by <see cref="ActionRateLimiter"/>.
/// </summary>
public sealed class AutonomyPolicy
{
    private readonly ProtectedTargets protectedTargets;
    private readonly ActionRiskPolicy riskPolicy;

    public AutonomyPolicy(ProtectedTargets protectedTargets, ActionRiskPolicy riskPolicy)
    {
        ArgumentNullException.ThrowIfNull(protectedTargets);
        ArgumentNullException.ThrowIfNull(riskPolicy);

        this.protectedTargets = protectedTargets;
        this.riskPolicy = riskPolicy;
    }

    /// <summary>Decides at the risk <see cref="ActionRiskPolicy"/> assigns to the request.</summary>
    public ActionDecision Decide(ActionRequest request, AutonomyLevel level, bool paused)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Decide(request, riskPolicy.Assess(request), level, paused);
    }

    /// <summary>
    /// Decides for a request that Macha would start by itself. A <paramref name="risk"/> below the one
    /// <see cref="ActionRiskPolicy"/> assigns is raised to it, so no caller can make a request look safer.
    /// </summary>
    public ActionDecision Decide(ActionRequest request, ActionRisk risk, AutonomyLevel level, bool paused)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Enum.IsDefined(risk))
        {
            throw new ArgumentOutOfRangeException(nameof(risk), risk, "Unknown action risk.");
        }

        if (!Enum.IsDefined(level))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "Unknown autonomy level.");
        }

        var assessed = riskPolicy.Assess(request);
        if (assessed > risk)
        {
            risk = assessed;
        }

        if (RefuseOrRecord(request, risk) is { } early)
        {
            return early;
        }

        if (paused)
        {
            return new(ActionOutcome.RecordOnly, risk, "Autonomy is paused, so actions are only recorded until it is resumed.");
        }

        var runsAutomatically = level switch
        {
            AutonomyLevel.Observe => (bool?)null,
            AutonomyLevel.Suggest => risk == ActionRisk.ReadOnly,
            AutonomyLevel.AutoSafe => risk <= ActionRisk.Low,
            _ => risk <= ActionRisk.Medium,
        };

        return runsAutomatically switch
        {
            null => new(ActionOutcome.RecordOnly, risk, "Autonomy level Observe records actions without running them."),
            true => new(ActionOutcome.Execute, risk, $"Autonomy level {level} runs {risk} actions without approval."),
            false => new(ActionOutcome.AwaitApproval, risk, $"Autonomy level {level} needs approval for {risk} actions."),
        };
    }

    /// <summary>
    /// Decides for a request a person has approved, just before it runs: protected units are still
    /// refused and NeverExecuted requests still only recorded. Autonomy level and pause do not apply,
    /// because they limit what Macha starts by itself, not what a person approves.
    /// </summary>
    public ActionDecision DecideApproved(ActionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);

        var risk = riskPolicy.Assess(request);
        return RefuseOrRecord(request, risk)
            ?? new(ActionOutcome.Execute, risk, "A person approved the action.");
    }

    private ActionDecision? RefuseOrRecord(ActionRequest request, ActionRisk risk)
    {
        if (request.ChangedUnit is { } unit && protectedTargets.GetRefusalReason(unit) is { } refusal)
        {
            return new(ActionOutcome.Refuse, risk, refusal);
        }

        if (risk == ActionRisk.NeverExecuted || request is not ExecutableActionRequest)
        {
            return new(ActionOutcome.RecordOnly, risk, $"{request.Kind} is never executed by Macha; it is recorded for a person to act on.");
        }

        return null;
    }
}
