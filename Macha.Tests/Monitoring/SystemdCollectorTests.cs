using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Collectors;
using Macha.Tests.Fakes;
using Macha.Tests.TestData;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Monitoring;

public sealed class SystemdCollectorTests
{
    private const string ListUnits = "systemctl list-units --failed --all --output=json --no-pager --plain --no-legend";
    private const string IsSystemRunning = "systemctl is-system-running";
    private const string NotBooted = "System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\n";

    private const string OneFailedUnitJson =
        """[{"unit":"nginx.service","load":"loaded","active":"failed","sub":"failed","description":"A high performance web server"}]""";

    [Fact]
    public async Task CollectAsync_JsonWithFailedUnit_FillsSection()
    {
        var shell = new ReplayShell()
            .WithCommand(ListUnits, OneFailedUnitJson)
            .WithCommand(IsSystemRunning, "degraded\n", exitCode: 1);
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal("nginx.service", Assert.Single(context.Snapshot.Systemd!.FailedUnits).Name);
        Assert.Equal("degraded", context.Snapshot.Systemd.SystemState);
        Assert.False(context.Snapshot.Systemd.UnitListFromTable);
    }

    [Fact]
    public async Task CollectAsync_NoFailedUnits_ReturnsEmptyList()
    {
        var shell = new ReplayShell()
            .WithCommand(ListUnits, "[]\n")
            .WithCommand(IsSystemRunning, "running\n");
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Empty(context.Snapshot.Systemd!.FailedUnits);
        Assert.Equal("running", context.Snapshot.Systemd.SystemState);
    }

    [Fact]
    public async Task CollectAsync_FailedUnitExitZero_CountsRows()
    {
        var shell = new ReplayShell()
            .WithCommand(ListUnits, Cases.Input("001-systemctl-failed-text-bullets.txt", "B"), exitCode: 0)
            .WithCommand(IsSystemRunning, "degraded\n", exitCode: 1);
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal("apache2.service", Assert.Single(context.Snapshot.Systemd!.FailedUnits).Name);
        Assert.True(context.Snapshot.Systemd.UnitListFromTable);
    }

    [Fact]
    public async Task CollectAsync_TableWithMarkerColumn_ReadsUnits()
    {
        var shell = new ReplayShell()
            .WithCommand(ListUnits, Cases.Input("001-systemctl-failed-text-bullets.txt", "A"))
            .WithCommand(IsSystemRunning, "degraded\n", exitCode: 1);
        var context = CreateContext(shell);

        await new SystemdCollector().CollectAsync(context);

        Assert.Equal(
            ["sysroot-usr.mount", "sysroot-usr-fsck.service"],
            context.Snapshot.Systemd!.FailedUnits.Select(unit => unit.Name));
    }

    [Fact]
    public async Task CollectAsync_NotBootedWithSystemd_ReturnsUnavailableWithReason()
    {
        var shell = new ReplayShell().WithCommand(ListUnits, "", exitCode: 1, standardError: NotBooted);
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Unavailable, outcome.State);
        Assert.Contains("System has not been booted with systemd as init system (PID 1)", outcome.Detail, StringComparison.Ordinal);
        Assert.Null(context.Snapshot.Systemd);
    }

    [Fact]
    public async Task CollectAsync_SystemctlMissing_ReturnsUnavailable()
    {
        var context = CreateContext(new ReplayShell());

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Unavailable, outcome.State);
        Assert.Contains("systemctl", outcome.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[{\"unit\":\"nginx.service\",\"lo")]
    [InlineData("Keine Units gefunden.\n")]
    [InlineData("\u0001\u0002garbage")]
    public async Task CollectAsync_UnparsableOutput_FailsInsteadOfReportingHealthy(string output)
    {
        var shell = new ReplayShell()
            .WithCommand(ListUnits, output)
            .WithCommand(IsSystemRunning, "running\n");
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Failed, outcome.State);
        Assert.NotNull(outcome.FirstBytes);
        Assert.Null(context.Snapshot.Systemd);
    }

    [Fact]
    public async Task CollectAsync_NonZeroExitWithoutOutput_Fails()
    {
        var shell = new ReplayShell().WithCommand(ListUnits, "", exitCode: 1, standardError: "Access denied\n");
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Failed, outcome.State);
        Assert.Null(context.Snapshot.Systemd);
    }

    [Fact]
    public async Task CollectAsync_ListUnitsTimesOut_ReturnsTimedOut()
    {
        var shell = new ReplayShell().WithCommandResult(
            ListUnits, new CommandResult(CommandStatus.TimedOut, null, "", "", TimeSpan.FromSeconds(10), FailureReason: "killed"));
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.TimedOut, outcome.State);
    }

    [Fact]
    public async Task CollectAsync_UnknownSystemState_ReturnsPartial()
    {
        var shell = new ReplayShell()
            .WithCommand(ListUnits, "[]")
            .WithCommand(IsSystemRunning, "", exitCode: 1, standardError: "Failed to query system state\n");
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Null(context.Snapshot.Systemd!.SystemState);
    }

    [Fact]
    public async Task CollectAsync_ThisMachine_ReportsRealOutcome()
    {
        var shell = new LocalProcessShell("local", NullLogger<LocalProcessShell>.Instance, TimeProvider.System);
        var context = CreateContext(shell);
        var systemdIsPid1 = File.ReadAllText("/proc/1/comm").Trim() == "systemd";

        var outcome = await new SystemdCollector().CollectAsync(context);

        if (systemdIsPid1)
        {
            Assert.Contains(outcome.State, new[] { CollectorState.Ok, CollectorState.Partial });
            Assert.NotNull(context.Snapshot.Systemd);
        }
        else
        {
            Assert.Equal(CollectorState.Unavailable, outcome.State);
            Assert.Contains("System has not been booted with systemd", outcome.Detail, StringComparison.Ordinal);
        }
    }

    private static CollectionContext CreateContext(IHostShell shell) => new()
    {
        Shell = shell,
        Snapshot = new HostSnapshot { HostName = shell.HostName, TakenAt = new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero) },
        Options = new MonitoringOptions(),
    };
}
