using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Collectors;
using Macha.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Monitoring;

public sealed class LoadCollectorTests
{
    private const string LoadAvg = "3.00 2.00 1.00 2/102 4137\n";

    [Fact]
    public async Task CollectAsync_ProcStatListsCpus_UsesItsCount()
    {
        var shell = new ReplayShell()
            .WithFile("/proc/loadavg", LoadAvg)
            .WithFile("/proc/stat", "cpu  1 0 1 10 0 0 0 0\ncpu0 1 0 1 5 0 0 0 0\ncpu1 0 0 0 5 0 0 0 0\n");
        var context = CreateContext(shell);

        var outcome = await new LoadCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal(new LoadSection(3.0, 2.0, 1.0, 2), context.Snapshot.Load);
        Assert.Equal(1.0, context.Snapshot.Load!.Load5PerCore);
    }

    [Fact]
    public async Task CollectAsync_CpuSectionAlreadyFilled_ReusesItsCount()
    {
        var context = CreateContext(new ReplayShell().WithFile("/proc/loadavg", LoadAvg));
        context.Snapshot.Cpu = new CpuSection(new CpuCounters(1, 0, 1, 10, 0, 0, 0, 0), 8, null, null);

        var outcome = await new LoadCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal(8, context.Snapshot.Load!.LogicalCpuCount);
    }

    [Fact]
    public async Task CollectAsync_ProcStatWithoutCpuLines_CountsCpuInfoProcessors()
    {
        var shell = new ReplayShell()
            .WithFile("/proc/loadavg", LoadAvg)
            .WithFile("/proc/stat", "cpu  1 0 1 10 0 0 0 0\n")
            .WithFile("/proc/cpuinfo", "processor\t: 0\nmodel name\t: Test\n\nprocessor\t: 1\n\nprocessor\t: 2\n");
        var context = CreateContext(shell);

        var outcome = await new LoadCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal(3, context.Snapshot.Load!.LogicalCpuCount);
    }

    [Fact]
    public async Task CollectAsync_NoCpuCountSource_ReturnsPartial()
    {
        var context = CreateContext(new ReplayShell().WithFile("/proc/loadavg", LoadAvg));

        var outcome = await new LoadCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("CPU count is unknown", outcome.Detail, StringComparison.Ordinal);
        Assert.Equal(0, context.Snapshot.Load!.LogicalCpuCount);
    }

    [Fact]
    public async Task CollectAsync_MissingFile_ReturnsFailed()
    {
        var context = CreateContext(new ReplayShell());

        var outcome = await new LoadCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Failed, outcome.State);
        Assert.Null(context.Snapshot.Load);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1,54 0,47 0,17 2/102 4137\n")]
    [InlineData("\u0000\u0001\u00ff\ufffd")]
    public async Task CollectAsync_UnparsableFile_ReturnsFailedWithFirstBytes(string content)
    {
        var context = CreateContext(new ReplayShell().WithFile("/proc/loadavg", content));

        var outcome = await new LoadCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Failed, outcome.State);
        Assert.NotNull(outcome.FirstBytes);
        Assert.Null(context.Snapshot.Load);
    }

    [Fact]
    public async Task CollectAsync_LocalMachine_FillsSection()
    {
        var shell = new LocalProcessShell("local", NullLogger<LocalProcessShell>.Instance, TimeProvider.System);
        var context = CreateContext(shell);

        var outcome = await new LoadCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.NotNull(context.Snapshot.Load);
        Assert.True(context.Snapshot.Load.LogicalCpuCount > 0);
        Assert.True(context.Snapshot.Load.Load1 >= 0);
    }

    private static CollectionContext CreateContext(IHostShell shell) => new()
    {
        Shell = shell,
        Snapshot = new HostSnapshot { HostName = shell.HostName, TakenAt = DateTimeOffset.UnixEpoch },
        Options = new MonitoringOptions(),
    };
}
