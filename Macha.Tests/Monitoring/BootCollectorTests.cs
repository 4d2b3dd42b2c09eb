using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Collectors;
using Macha.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Monitoring;

public sealed class BootCollectorTests
{
    private const string BootId = "51670198-207d-4051-8293-f93c9ece00fb";

    private static readonly DateTimeOffset TakenAt = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task CollectAsync_UptimeAndBootId_FillsSection()
    {
        var shell = new ReplayShell()
            .WithFile("/proc/uptime", "3600.50 7000.00\n")
            .WithFile("/proc/sys/kernel/random/boot_id", BootId + "\n");
        var context = CreateContext(shell);

        var outcome = await new BootCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal(TimeSpan.FromSeconds(3600.5), context.Snapshot.Boot!.Uptime);
        Assert.Equal(TakenAt - TimeSpan.FromSeconds(3600.5), context.Snapshot.Boot.BootedAt);
        Assert.Equal(BootId, context.Snapshot.Boot.BootId);
    }

    [Fact]
    public async Task CollectAsync_BootIdMissing_ReturnsPartialWithNullBootId()
    {
        var context = CreateContext(new ReplayShell().WithFile("/proc/uptime", "3600.50 7000.00\n"));

        var outcome = await new BootCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("boot_id", outcome.Detail, StringComparison.Ordinal);
        Assert.NotNull(context.Snapshot.Boot);
        Assert.Null(context.Snapshot.Boot.BootId);
    }

    [Fact]
    public async Task CollectAsync_BootIdNotUuid_ReturnsPartialWithNullBootId()
    {
        var shell = new ReplayShell()
            .WithFile("/proc/uptime", "3600.50 7000.00\n")
            .WithFile("/proc/sys/kernel/random/boot_id", "\u0000garbage\n");
        var context = CreateContext(shell);

        var outcome = await new BootCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("not a UUID", outcome.Detail, StringComparison.Ordinal);
        Assert.Null(context.Snapshot.Boot!.BootId);
    }

    [Fact]
    public async Task CollectAsync_MissingUptime_ReturnsFailed()
    {
        var context = CreateContext(new ReplayShell().WithFile("/proc/sys/kernel/random/boot_id", BootId));

        var outcome = await new BootCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Failed, outcome.State);
        Assert.Contains("/proc/uptime", outcome.Detail, StringComparison.Ordinal);
        Assert.Null(context.Snapshot.Boot);
    }

    [Theory]
    [InlineData("")]
    [InlineData("3600,50 7000,00\n")]
    [InlineData("\u0000\u0001\u00ff\ufffd")]
    [InlineData("1e300 1")]
    public async Task CollectAsync_UnparsableUptime_ReturnsFailedWithFirstBytes(string content)
    {
        var context = CreateContext(new ReplayShell().WithFile("/proc/uptime", content));

        var outcome = await new BootCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Failed, outcome.State);
        Assert.NotNull(outcome.FirstBytes);
        Assert.Null(context.Snapshot.Boot);
    }

    [Fact]
    public async Task CollectAsync_LocalMachine_FillsSection()
    {
        var shell = new LocalProcessShell("local", NullLogger<LocalProcessShell>.Instance, TimeProvider.System);
        var context = CreateContext(shell);

        var outcome = await new BootCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.NotNull(context.Snapshot.Boot);
        Assert.True(context.Snapshot.Boot.Uptime > TimeSpan.Zero);
        Assert.NotNull(context.Snapshot.Boot.BootId);
    }

    private static CollectionContext CreateContext(IHostShell shell) => new()
    {
        Shell = shell,
        Snapshot = new HostSnapshot { HostName = shell.HostName, TakenAt = TakenAt },
        Options = new MonitoringOptions(),
    };
}
