using Macha.Core.Analysis.Decisions;
using Microsoft.Extensions.Options;

namespace Macha.Core.Actions;

/// <summary>
/// Assigns each action request its risk from the request's kind and Macha's options, so the model cannot
/// set it. Protected units are not a matter of risk: <see cref="AutonomyPolicy"/> refuses them first.
/// </summary>
public sealed class ActionRiskPolicy
{
    private readonly Dictionary<string, ActionRisk> overrides;

    public ActionRiskPolicy(IOptions<ActionOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // Keys compare without case because configuration keys do. Of two keys that differ only in case,
        // the higher risk wins.
        overrides = new Dictionary<string, ActionRisk>(StringComparer.OrdinalIgnoreCase);
        foreach (var (kind, risk) in options.Value.RiskOverrides)
        {
            if (!overrides.TryGetValue(kind, out var existing) || risk > existing)
            {
                overrides[kind] = risk;
            }
        }
    }

    /// <summary>Returns the risk of <paramref name="request"/>: its kind's built-in risk, or a configured higher one.</summary>
    public ActionRisk Assess(ActionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);

        var builtIn = BuiltInRisk(request.Kind)
            ?? throw new ArgumentException($"Action kind '{request.Kind}' has no built-in risk.", nameof(request));

        // An override below the built-in risk, or outside the enum, is ignored rather than trusted.
        return overrides.TryGetValue(request.Kind, out var configured) && Enum.IsDefined(configured) && configured > builtIn
            ? configured
            : builtIn;
    }

    /// <summary>Returns the risk a kind has without overrides, or null for an unknown kind.</summary>
    public static ActionRisk? BuiltInRisk(string? kind) => kind switch
    {
        ActionKinds.RestartUnit or ActionKinds.ResetFailedUnit => ActionRisk.Low,
        ActionKinds.VacuumJournal or ActionKinds.CollectNixGarbage => ActionRisk.Low,
        ActionKinds.RollbackNixos => ActionRisk.Medium,
        ActionKinds.RebuildNixos => ActionRisk.High,
        ActionKinds.RunDiagnostic => ActionRisk.ReadOnly,
        ActionKinds.DescribeConfigChange => ActionRisk.NeverExecuted,
        _ => null,
    };
}
