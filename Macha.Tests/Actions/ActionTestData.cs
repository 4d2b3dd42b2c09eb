using Macha.Core.Actions;
using Macha.Core.Analysis.Decisions;
using Microsoft.Extensions.Options;

namespace Macha.Tests.Actions;

/// <summary>Valid baselines for action tests; each test changes one thing.</summary>
internal static class ActionTestData
{
    public const string HostName = "web-1";

    public static readonly Guid IncidentId = Guid.Parse("6d0f3c2e-8b1a-4f5e-9c7d-2a4b6c8e0f13");

    public static ActionContext Context(string hostName = HostName) =>
        new(hostName, IncidentId, ActionOrigin.Analyst, "nginx.service failed after a reload.", "nginx.service is active.", "Stop the unit again.");

    public static ProposedAction Restart(string? unit) => new()
    {
        Kind = ActionKinds.RestartUnit,
        Unit = unit,
        Reason = "The unit failed.",
        ExpectedEffect = "The unit is active.",
        Undo = "Stop the unit again.",
    };

    public static ProposedAction Proposal(string kind) => new()
    {
        Kind = kind,
        Reason = "The incident needs it.",
        ExpectedEffect = "The incident resolves.",
        Undo = "See the action's own undo.",
    };

    public static IOptions<ActionOptions> Options(Action<ActionOptions>? configure = null)
    {
        var options = new ActionOptions();
        configure?.Invoke(options);
        return Microsoft.Extensions.Options.Options.Create(options);
    }

    public static AutonomyPolicy Policy(Action<ActionOptions>? configure = null)
    {
        var options = Options(configure);
        return new AutonomyPolicy(new ProtectedTargets(options), new ActionRiskPolicy(options));
    }
}
