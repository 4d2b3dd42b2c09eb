using Macha.Core.Actions;
using static Macha.Tests.Actions.ActionTestData;

namespace Macha.Tests.Actions;

public sealed class AutonomyPolicyTests
{
    [Theory]
    [InlineData(AutonomyLevel.Observe, ActionRisk.ReadOnly, false, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.Observe, ActionRisk.Low, false, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.Observe, ActionRisk.Medium, false, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.Observe, ActionRisk.High, false, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.Observe, ActionRisk.NeverExecuted, false, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.Suggest, ActionRisk.ReadOnly, false, ActionOutcome.Execute)]
    [InlineData(AutonomyLevel.Suggest, ActionRisk.Low, false, ActionOutcome.AwaitApproval)]
    [InlineData(AutonomyLevel.Suggest, ActionRisk.Medium, false, ActionOutcome.AwaitApproval)]
    [InlineData(AutonomyLevel.Suggest, ActionRisk.High, false, ActionOutcome.AwaitApproval)]
    [InlineData(AutonomyLevel.Suggest, ActionRisk.NeverExecuted, false, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.AutoSafe, ActionRisk.ReadOnly, false, ActionOutcome.Execute)]
    [InlineData(AutonomyLevel.AutoSafe, ActionRisk.Low, false, ActionOutcome.Execute)]
    [InlineData(AutonomyLevel.AutoSafe, ActionRisk.Medium, false, ActionOutcome.AwaitApproval)]
    [InlineData(AutonomyLevel.AutoSafe, ActionRisk.High, false, ActionOutcome.AwaitApproval)]
    [InlineData(AutonomyLevel.AutoSafe, ActionRisk.NeverExecuted, false, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.AutoFull, ActionRisk.ReadOnly, false, ActionOutcome.Execute)]
    [InlineData(AutonomyLevel.AutoFull, ActionRisk.Low, false, ActionOutcome.Execute)]
    [InlineData(AutonomyLevel.AutoFull, ActionRisk.Medium, false, ActionOutcome.Execute)]
    [InlineData(AutonomyLevel.AutoFull, ActionRisk.High, false, ActionOutcome.AwaitApproval)]
    [InlineData(AutonomyLevel.AutoFull, ActionRisk.NeverExecuted, false, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.Observe, ActionRisk.ReadOnly, true, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.Observe, ActionRisk.Low, true, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.Observe, ActionRisk.Medium, true, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.Observe, ActionRisk.High, true, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.Observe, ActionRisk.NeverExecuted, true, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.Suggest, ActionRisk.ReadOnly, true, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.Suggest, ActionRisk.Low, true, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.Suggest, ActionRisk.Medium, true, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.Suggest, ActionRisk.High, true, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.Suggest, ActionRisk.NeverExecuted, true, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.AutoSafe, ActionRisk.ReadOnly, true, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.AutoSafe, ActionRisk.Low, true, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.AutoSafe, ActionRisk.Medium, true, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.AutoSafe, ActionRisk.High, true, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.AutoSafe, ActionRisk.NeverExecuted, true, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.AutoFull, ActionRisk.ReadOnly, true, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.AutoFull, ActionRisk.Low, true, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.AutoFull, ActionRisk.Medium, true, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.AutoFull, ActionRisk.High, true, ActionOutcome.RecordOnly)]
    [InlineData(AutonomyLevel.AutoFull, ActionRisk.NeverExecuted, true, ActionOutcome.RecordOnly)]
    public void Decide_LevelRiskAndPause_GivesTableOutcome(AutonomyLevel level, ActionRisk risk, bool paused, ActionOutcome expected)
    {
        // A read-only diagnostic has the lowest built-in risk, so every risk in the table applies as given.
        var request = new RunDiagnostic(Context(), "disk_usage");

        var decision = Policy().Decide(request, risk, level, paused);

        Assert.Equal(expected, decision.Outcome);
    }

    [Fact]
    public void Decide_RiskBelowPolicy_IsRaisedToPolicy()
    {
        var request = new RebuildNixos(Context(), "/etc/nixos#web-1");

        var decision = Policy().Decide(request, ActionRisk.ReadOnly, AutonomyLevel.AutoFull, paused: false);

        Assert.Equal(ActionRisk.High, decision.Risk);
        Assert.Equal(ActionOutcome.AwaitApproval, decision.Outcome);
    }

    [Theory]
    [InlineData(AutonomyLevel.Observe)]
    [InlineData(AutonomyLevel.Suggest)]
    [InlineData(AutonomyLevel.AutoSafe)]
    [InlineData(AutonomyLevel.AutoFull)]
    public void Decide_DescribeConfigChange_IsRecordOnly(AutonomyLevel level)
    {
        var request = new DescribeConfigChange(Context(), "Raise LimitNOFILE for nginx.");

        var decision = Policy().Decide(request, level, paused: false);

        Assert.Equal(ActionOutcome.RecordOnly, decision.Outcome);
    }

    public static TheoryData<string, AutonomyLevel, bool> ProtectedUnitsAtEveryLevel()
    {
        var data = new TheoryData<string, AutonomyLevel, bool>();
        foreach (var unit in new[] { "sshd.service", "NetworkManager.service", "systemd-journald.socket", "dbus-broker.service", "macha.service", "ollama.service", "serial-getty@ttyS0.service" })
        {
            foreach (var level in Enum.GetValues<AutonomyLevel>())
            {
                data.Add(unit, level, false);
                data.Add(unit, level, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ProtectedUnitsAtEveryLevel))]
    public void Decide_ProtectedUnit_IsRefused(string unit, AutonomyLevel level, bool paused)
    {
        var policy = Policy(options => options.ProtectedUnits = ["serial-getty@.service"]);

        var decision = policy.Decide(new RestartUnit(Context(), unit), level, paused);

        Assert.Equal(ActionOutcome.Refuse, decision.Outcome);
    }

    [Theory]
    [InlineData("sshd.service")]
    [InlineData("ssh.socket")]
    [InlineData("systemd-udevd.service")]
    [InlineData("chromadb.service")]
    [InlineData("backup-db.service")]
    public void DecideApproved_ProtectedUnit_IsRefused(string unit)
    {
        var policy = Policy(options => options.ProtectedUnits = ["backup-*"]);

        var decision = policy.DecideApproved(new ResetFailedUnit(Context(), unit));

        Assert.Equal(ActionOutcome.Refuse, decision.Outcome);
    }

    [Fact]
    public void Decide_ProtectedUnit_ReasonNamesUnitAndEntry()
    {
        var decision = Policy().Decide(new RestartUnit(Context(), "sshd.service"), AutonomyLevel.AutoFull, paused: false);

        Assert.Contains("sshd.service is a protected unit", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("built-in entry 'sshd.service'", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DecideApproved_UnprotectedUnit_Executes()
    {
        var decision = Policy().DecideApproved(new RestartUnit(Context(), "nginx.service"));

        Assert.Equal(ActionOutcome.Execute, decision.Outcome);
    }

    [Fact]
    public void DecideApproved_DescribeConfigChange_IsRecordOnly()
    {
        var decision = Policy().DecideApproved(new DescribeConfigChange(Context(), "Raise LimitNOFILE for nginx."));

        Assert.Equal(ActionOutcome.RecordOnly, decision.Outcome);
    }

    [Fact]
    public void DecideApproved_KindOverriddenToNeverExecuted_IsRecordOnly()
    {
        var policy = Policy(options => options.RiskOverrides["rebuild_nixos"] = ActionRisk.NeverExecuted);

        var decision = policy.DecideApproved(new RebuildNixos(Context(), "/etc/nixos#web-1"));

        Assert.Equal(ActionOutcome.RecordOnly, decision.Outcome);
    }

    [Fact]
    public void Decide_DiagnosticOfProtectedUnit_RunsBecauseItChangesNothing()
    {
        var decision = Policy().Decide(new RunDiagnostic(Context(), "unit_logs", "sshd.service"), AutonomyLevel.Suggest, paused: false);

        Assert.Equal(ActionOutcome.Execute, decision.Outcome);
    }
}
