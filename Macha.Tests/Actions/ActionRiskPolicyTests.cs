using Macha.Core.Actions;
using static Macha.Tests.Actions.ActionTestData;

namespace Macha.Tests.Actions;

public sealed class ActionRiskPolicyTests
{
    public static TheoryData<ActionRequest, ActionRisk> BuiltInRisks => new()
    {
        { new RestartUnit(Context(), "nginx.service"), ActionRisk.Low },
        { new ResetFailedUnit(Context(), "nginx.service"), ActionRisk.Low },
        { new VacuumJournal(Context(), JournalSize.Parse("500M")), ActionRisk.Low },
        { new CollectNixGarbage(Context(), 14), ActionRisk.Low },
        { new RollbackNixos(Context()), ActionRisk.Medium },
        { new RebuildNixos(Context(), "/etc/nixos#web-1"), ActionRisk.High },
        { new RunDiagnostic(Context(), "failed_units"), ActionRisk.ReadOnly },
        { new DescribeConfigChange(Context(), "Raise LimitNOFILE for nginx."), ActionRisk.NeverExecuted },
    };

    [Theory]
    [MemberData(nameof(BuiltInRisks))]
    public void Assess_NoOverrides_ReturnsBuiltInRisk(ActionRequest request, ActionRisk expected)
    {
        var policy = new ActionRiskPolicy(Options());

        Assert.Equal(expected, policy.Assess(request));
    }

    [Fact]
    public void Assess_HigherOverride_RaisesRisk()
    {
        var policy = new ActionRiskPolicy(Options(options => options.RiskOverrides["restart_unit"] = ActionRisk.High));

        Assert.Equal(ActionRisk.High, policy.Assess(new RestartUnit(Context(), "nginx.service")));
    }

    [Fact]
    public void Assess_OverrideKeyInOtherCase_StillApplies()
    {
        var policy = new ActionRiskPolicy(Options(options => options.RiskOverrides["Rollback_NixOS"] = ActionRisk.High));

        Assert.Equal(ActionRisk.High, policy.Assess(new RollbackNixos(Context())));
    }

    [Theory]
    [InlineData("rebuild_nixos", ActionRisk.Low)]
    [InlineData("describe_config_change", ActionRisk.ReadOnly)]
    [InlineData("rebuild_nixos", (ActionRisk)(-1))]
    public void Assess_LowerOrUnknownOverride_KeepsBuiltInRisk(string kind, ActionRisk configured)
    {
        var policy = new ActionRiskPolicy(Options(options => options.RiskOverrides[kind] = configured));
        ActionRequest request = kind == "rebuild_nixos"
            ? new RebuildNixos(Context(), "/etc/nixos#web-1")
            : new DescribeConfigChange(Context(), "Raise LimitNOFILE for nginx.");

        Assert.Equal(ActionRiskPolicy.BuiltInRisk(kind), policy.Assess(request));
    }
}
