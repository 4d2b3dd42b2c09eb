using Macha.Core.Actions;
using Macha.Core.Actions.Execution;
using Macha.Core.Storage.Audit;
using Macha.Tests.Detection;
using Microsoft.Extensions.Logging.Abstractions;
using static Macha.Tests.Actions.ActionTestData;

namespace Macha.Tests.Actions;

/// <summary>
/// What actions do with units from real reports: names with systemd's \x2d escapes and template
/// instances, a missing block device behind a failed mount, an OOM-killed model server, and a
/// resolver failing DNSSEC validation.
/// </summary>
public sealed class ActionCasesTests
{
    private const string MissingDevice = @"dev-disk-by\x2duuid-does\x2dnot\x2dexist.device";
    private const string FsckInstance = @"systemd-fsck@dev-disk-by\x2dlabel-500_boot.service";

    [Fact]
    public void ResetFailed_EscapedDeviceUnit_KeepsBackslashesInArgv()
    {
        var request = new ResetFailedUnit(Context(), MissingDevice);

        var command = Assert.Single(request.BuildCommands());

        Assert.Equal(["-n", "systemctl", "reset-failed", "--", MissingDevice], command.Arguments);
        Assert.Equal(3, command.Arguments[^1].Count(c => c == '\\'));
    }

    [Fact]
    public void DryRun_EscapedUnit_PassesNameByteExact()
    {
        var dryRun = new ActionDryRun(new SecretRedactor(), new TestOptionsMonitor<ActionOptions>(new ActionOptions()), NullLogger<ActionDryRun>.Instance);

        var command = Assert.Single(dryRun.CommandsFor(new ResetFailedUnit(Context(), MissingDevice)));

        Assert.Equal(MissingDevice, command.Arguments[^1]);
    }

    [Theory]
    [InlineData(MissingDevice)]
    [InlineData("local-fs.target")]
    [InlineData("mnt.mount")]
    public void Restart_MountDependencyUnits_IsRejected(string unit)
    {
        // A failed mount behind a missing block device is not fixed by restarting the device, the
        // mount or local-fs.target, so such restarts never become requests.
        var result = ActionRequestFactory.FromProposal(Restart(unit), HostName, IncidentId);

        Assert.False(result.IsAccepted);
        Assert.Contains(unit, result.Rejection, StringComparison.Ordinal);
    }

    public static TheoryData<string, AutonomyLevel> CaseUnitsAtEveryLevel()
    {
        var data = new TheoryData<string, AutonomyLevel>();
        foreach (var unit in new[] { FsckInstance, "ollama.service", "systemd-journald.service", "systemd-resolved.service" })
        {
            foreach (var level in Enum.GetValues<AutonomyLevel>())
            {
                data.Add(unit, level);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseUnitsAtEveryLevel))]
    public void Restart_ProtectedUnitFromCase_IsRefused(string unit, AutonomyLevel level)
    {
        // fsck instances and journald are systemd's own, ollama serves Macha's model (a restart loop
        // after an OOM kill would starve Macha too), and resolved is a resolver.
        var request = new RestartUnit(Context(), unit);

        Assert.Equal(ActionOutcome.Refuse, Policy().Decide(request, level, paused: false).Outcome);
        Assert.Equal(ActionOutcome.Refuse, Policy().DecideApproved(request).Outcome);
    }

    [Theory]
    [InlineData(AutonomyLevel.Suggest)]
    [InlineData(AutonomyLevel.AutoFull)]
    public void DisableDnssec_ConfigChange_IsNeverExecuted(AutonomyLevel level)
    {
        var request = new DescribeConfigChange(Context(), "Set services.resolved.dnssec = \"false\" while the upstream resolver is incompatible.");

        Assert.Equal(ActionOutcome.RecordOnly, Policy().Decide(request, level, paused: false).Outcome);
        Assert.Equal(ActionOutcome.RecordOnly, Policy().DecideApproved(request).Outcome);
    }
}
