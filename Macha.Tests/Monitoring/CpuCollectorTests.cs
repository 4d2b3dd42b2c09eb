using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Collectors;
using Macha.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Monitoring;

public sealed class CpuCollectorTests
{
    private const string BootId = "51670198-207d-4051-8293-f93c9ece00fb";

    private const string Stat = "cpu  1200 0 600 8600 200 0 0 0 0 0\ncpu0 600 0 300 4300 100 0 0 0 0 0\ncpu1 600 0 300 4300 100 0 0 0 0 0\n";

    private static readonly CpuCounters PreviousCounters = new(1000, 0, 500, 8000, 100, 0, 0, 0);

    [Fact]
    public async Task CollectAsync_FirstSample_LeavesPercentagesNull()
    {
        var context = CreateContext(new ReplayShell().WithFile("/proc/stat", Stat));

        var outcome = await new CpuCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.NotNull(context.Snapshot.Cpu);
        Assert.Equal(2, context.Snapshot.Cpu.LogicalCpuCount);
        Assert.Null(context.Snapshot.Cpu.UsagePercent);
        Assert.Null(context.Snapshot.Cpu.IoWaitPercent);
    }

    [Fact]
    public async Task CollectAsync_PreviousSampleSameBoot_ComputesPercentages()
    {
        var shell = new ReplayShell()
            .WithFile("/proc/stat", Stat)
            .WithFile("/proc/sys/kernel/random/boot_id", BootId + "\n");
        var context = CreateContext(shell, CreatePrevious(BootId));

        var outcome = await new CpuCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal(30.0, context.Snapshot.Cpu!.UsagePercent!.Value, precision: 6);
        Assert.Equal(10.0, context.Snapshot.Cpu.IoWaitPercent!.Value, precision: 6);
    }

    [Fact]
    public async Task CollectAsync_BootIdChanged_LeavesPercentagesNull()
    {
        var shell = new ReplayShell()
            .WithFile("/proc/stat", Stat)
            .WithFile("/proc/sys/kernel/random/boot_id", "0b7e9a51-29f4-4bd6-a0a4-c2a4d9e2b111\n");
        var context = CreateContext(shell, CreatePrevious(BootId));

        await new CpuCollector().CollectAsync(context);

        Assert.Null(context.Snapshot.Cpu!.UsagePercent);
        Assert.Null(context.Snapshot.Cpu.IoWaitPercent);
    }

    [Fact]
    public async Task CollectAsync_CountersWentBackwards_LeavesPercentagesNull()
    {
        var context = CreateContext(
            new ReplayShell().WithFile("/proc/stat", "cpu  10 0 5 80 1 0 0 0\ncpu0 10 0 5 80 1 0 0 0\n"),
            CreatePrevious(bootId: null));

        await new CpuCollector().CollectAsync(context);

        Assert.Null(context.Snapshot.Cpu!.UsagePercent);
        Assert.Null(context.Snapshot.Cpu.IoWaitPercent);
    }

    [Fact]
    public async Task CollectAsync_OldKernelWithoutIoWait_ReturnsPartialWithNullIoWait()
    {
        var context = CreateContext(
            new ReplayShell().WithFile("/proc/stat", "cpu  1200 0 600 8700\ncpu0 1200 0 600 8700\n"),
            CreatePrevious(bootId: null));

        var outcome = await new CpuCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("iowait, irq, softirq, steal", outcome.Detail, StringComparison.Ordinal);
        Assert.NotNull(context.Snapshot.Cpu!.UsagePercent);
        Assert.Null(context.Snapshot.Cpu.IoWaitPercent);
    }

    [Fact]
    public async Task CollectAsync_NoPerCpuLines_ReturnsPartial()
    {
        var context = CreateContext(new ReplayShell().WithFile("/proc/stat", "cpu  1200 0 600 8600 200 0 0 0\n"));

        var outcome = await new CpuCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("CPU count is unknown", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CollectAsync_MissingFile_ReturnsFailed()
    {
        var context = CreateContext(new ReplayShell());

        var outcome = await new CpuCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Failed, outcome.State);
        Assert.Contains("/proc/stat", outcome.Detail, StringComparison.Ordinal);
        Assert.Null(context.Snapshot.Cpu);
    }

    [Theory]
    [InlineData("")]
    [InlineData("intr 1 2 3\n")]
    [InlineData("\u0000\u0001\u00ff\ufffd")]
    [InlineData("cpu  1200 0 6")]
    public async Task CollectAsync_UnparsableFile_ReturnsFailedWithFirstBytes(string content)
    {
        var context = CreateContext(new ReplayShell().WithFile("/proc/stat", content));

        var outcome = await new CpuCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Failed, outcome.State);
        Assert.NotNull(outcome.FirstBytes);
        Assert.Null(context.Snapshot.Cpu);
    }

    [Fact]
    public async Task CollectAsync_LocalMachine_FillsSection()
    {
        var shell = new LocalProcessShell("local", NullLogger<LocalProcessShell>.Instance, TimeProvider.System);
        var context = CreateContext(shell);

        var outcome = await new CpuCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.NotNull(context.Snapshot.Cpu);
        Assert.True(context.Snapshot.Cpu.LogicalCpuCount > 0);
        Assert.True(context.Snapshot.Cpu.Counters.Total > 0);
    }

    private static HostSnapshot CreatePrevious(string? bootId)
    {
        var previous = new HostSnapshot { HostName = "test-host", TakenAt = DateTimeOffset.UnixEpoch };
        previous.Cpu = new CpuSection(PreviousCounters, 2, null, null);
        previous.Boot = bootId is null ? null : new BootSection(TimeSpan.FromHours(1), DateTimeOffset.UnixEpoch, bootId);
        return previous;
    }

    private static CollectionContext CreateContext(IHostShell shell, HostSnapshot? previous = null) => new()
    {
        Shell = shell,
        Snapshot = new HostSnapshot { HostName = shell.HostName, TakenAt = DateTimeOffset.UnixEpoch.AddMinutes(5) },
        Previous = previous,
        Options = new MonitoringOptions(),
    };
}
