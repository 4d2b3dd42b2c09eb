using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Collectors;
using Macha.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Monitoring;

public sealed class PressureCollectorTests
{
    // /proc/pressure on Linux 6.1: cpu has a zero "full" line at system level since 5.13.
    private const string Cpu = "some avg10=53.13 avg60=51.33 avg300=35.68 total=358693380\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
    private const string Memory = "some avg10=0.63 avg60=0.60 avg300=0.42 total=9967577\nfull avg10=0.00 avg60=0.01 avg300=0.09 total=7407897\n";
    private const string Io = "some avg10=2.00 avg60=1.50 avg300=1.00 total=1234\nfull avg10=1.00 avg60=0.75 avg300=0.50 total=567\n";

    [Fact]
    public async Task CollectAsync_AllFiles_ReturnsOkWithEveryResource()
    {
        var context = CreateContext(Baseline());

        var outcome = await new PressureCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal(51.33, context.Snapshot.Pressure!.Cpu!.Some.Avg60);
        Assert.Equal(0.01, context.Snapshot.Pressure.Memory!.Full!.Avg60);
        Assert.Equal(0.75, context.Snapshot.Pressure.Io!.Full!.Avg60);
    }

    [Fact]
    public async Task CollectAsync_CpuWithoutFullLine_ReturnsOk()
    {
        var context = CreateContext(Baseline().WithFile("/proc/pressure/cpu", "some avg10=1.00 avg60=2.00 avg300=3.00 total=4\n"));

        var outcome = await new PressureCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Null(context.Snapshot.Pressure!.Cpu!.Full);
    }

    [Fact]
    public async Task CollectAsync_NoPressureFiles_ReturnsUnavailableWithReason()
    {
        var context = CreateContext(new ReplayShell());

        var outcome = await new PressureCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Unavailable, outcome.State);
        Assert.Contains("Linux 4.20", outcome.Detail, StringComparison.Ordinal);
        Assert.Contains("psi=0", outcome.Detail, StringComparison.Ordinal);
        Assert.Null(context.Snapshot.Pressure);
    }

    [Fact]
    public async Task CollectAsync_MemoryWithoutFullLine_ReturnsPartial()
    {
        var context = CreateContext(Baseline().WithFile("/proc/pressure/memory", "some avg10=1.00 avg60=2.00 avg300=3.00 total=4\n"));

        var outcome = await new PressureCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("/proc/pressure/memory has no 'full' line", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CollectAsync_OneFileUnparsable_ReturnsPartialWithFirstBytes()
    {
        var context = CreateContext(Baseline().WithFile("/proc/pressure/io", "\u0000\u0001garbage"));

        var outcome = await new PressureCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("could not parse /proc/pressure/io", outcome.Detail, StringComparison.Ordinal);
        Assert.Equal("??garbage", outcome.FirstBytes);
        Assert.Null(context.Snapshot.Pressure!.Io);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\u0000\u0001\u00ff\ufffd")]
    [InlineData("Druck avg10=0,00\n")]
    [InlineData("some avg10=0.00 avg6")]
    public async Task CollectAsync_AllFilesUnparsable_ReturnsFailed(string content)
    {
        var shell = new ReplayShell()
            .WithFile("/proc/pressure/cpu", content)
            .WithFile("/proc/pressure/memory", content)
            .WithFile("/proc/pressure/io", content);
        var context = CreateContext(shell);

        var outcome = await new PressureCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Failed, outcome.State);
        Assert.NotNull(outcome.FirstBytes);
        Assert.Null(context.Snapshot.Pressure);
    }

    [Fact]
    public async Task CollectAsync_OneFileUnreadable_ReturnsPartial()
    {
        var shell = new ReplayShell().WithFile("/proc/pressure/cpu", Cpu).WithFile("/proc/pressure/memory", Memory);
        var context = CreateContext(shell);

        var outcome = await new PressureCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("could not read /proc/pressure/io", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CollectAsync_LocalMachine_MatchesWhetherPressureExists()
    {
        var shell = new LocalProcessShell("local", NullLogger<LocalProcessShell>.Instance, TimeProvider.System);
        var context = CreateContext(shell);

        var outcome = await new PressureCollector().CollectAsync(context);

        if (File.Exists("/proc/pressure/memory"))
        {
            Assert.Equal(CollectorState.Ok, outcome.State);
            Assert.NotNull(context.Snapshot.Pressure?.Memory?.Full);
            Assert.InRange(context.Snapshot.Pressure.Cpu!.Some.Avg60, 0, 100);
        }
        else
        {
            Assert.Equal(CollectorState.Unavailable, outcome.State);
            Assert.Null(context.Snapshot.Pressure);
        }
    }

    private static ReplayShell Baseline() => new ReplayShell()
        .WithFile("/proc/pressure/cpu", Cpu)
        .WithFile("/proc/pressure/memory", Memory)
        .WithFile("/proc/pressure/io", Io);

    private static CollectionContext CreateContext(IHostShell shell) => new()
    {
        Shell = shell,
        Snapshot = new HostSnapshot { HostName = shell.HostName, TakenAt = DateTimeOffset.UnixEpoch },
        Options = new MonitoringOptions(),
    };
}
