using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Collectors;
using Macha.Tests.Fakes;
using Macha.Tests.TestData;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Monitoring;

public sealed class MemoryCollectorTests
{
    private const string CaseFile = "016-meminfo-container-and-old-kernel.txt";

    [Fact]
    public async Task CollectAsync_LxcfsContainer_ReturnsOk()
    {
        var context = CreateContext(new ReplayShell().WithFile("/proc/meminfo", Cases.Input(CaseFile, "A")));

        var outcome = await new MemoryCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.NotNull(context.Snapshot.Memory);
        Assert.Equal(35.2, context.Snapshot.Memory.UsedPercent, precision: 1);
    }

    [Fact]
    public async Task CollectAsync_OpenVzWithoutMemAvailable_ReturnsOkWithFallback()
    {
        var context = CreateContext(new ReplayShell().WithFile("/proc/meminfo", Cases.Input(CaseFile, "B")));

        var outcome = await new MemoryCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal("MemFree+Buffers+Cached", context.Snapshot.Memory!.AvailableSource);
        Assert.Equal(23.7, context.Snapshot.Memory.UsedPercent, precision: 1);
    }

    [Fact]
    public async Task CollectAsync_EmptyFile_ReturnsUnavailableWithoutSection()
    {
        var context = CreateContext(new ReplayShell().WithFile("/proc/meminfo", Cases.Input(CaseFile, "C")));

        var outcome = await new MemoryCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Unavailable, outcome.State);
        Assert.Contains("Memory metrics are unavailable", outcome.Detail, StringComparison.Ordinal);
        Assert.Null(context.Snapshot.Memory);
    }

    [Fact]
    public async Task CollectAsync_SwapLinesMissing_ReturnsPartialNamingThem()
    {
        var content = "MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 500 kB\n";
        var context = CreateContext(new ReplayShell().WithFile("/proc/meminfo", content));

        var outcome = await new MemoryCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("SwapTotal, SwapFree", outcome.Detail, StringComparison.Ordinal);
        Assert.NotNull(context.Snapshot.Memory);
    }

    [Fact]
    public async Task CollectAsync_FallbackLacksCached_ReturnsPartialNamingIt()
    {
        var content = "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 10 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n";
        var context = CreateContext(new ReplayShell().WithFile("/proc/meminfo", content));

        var outcome = await new MemoryCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("lacks Cached", outcome.Detail, StringComparison.Ordinal);
        Assert.Contains("MemFree+Buffers", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CollectAsync_MissingFile_ReturnsFailed()
    {
        var context = CreateContext(new ReplayShell());

        var outcome = await new MemoryCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Failed, outcome.State);
        Assert.Contains("/proc/meminfo", outcome.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MemTot")]
    [InlineData("\u0000\u0001\u00ff\ufffd")]
    [InlineData("Speicher gesamt:  8000000 kB\n")]
    [InlineData("MemTotal:        0 kB\nMemFree: 0 kB\n")]
    public async Task CollectAsync_UnparsableFile_ReturnsFailedWithFirstBytes(string content)
    {
        var context = CreateContext(new ReplayShell().WithFile("/proc/meminfo", content));

        var outcome = await new MemoryCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Failed, outcome.State);
        Assert.NotNull(outcome.FirstBytes);
        Assert.Null(context.Snapshot.Memory);
    }

    [Fact]
    public async Task CollectAsync_LocalMachine_FillsSection()
    {
        var shell = new LocalProcessShell("local", NullLogger<LocalProcessShell>.Instance, TimeProvider.System);
        var context = CreateContext(shell);

        var outcome = await new MemoryCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.NotNull(context.Snapshot.Memory);
        Assert.True(context.Snapshot.Memory.TotalBytes > 0);
        Assert.InRange(context.Snapshot.Memory.AvailableBytes, 1, context.Snapshot.Memory.TotalBytes);
    }

    private static CollectionContext CreateContext(IHostShell shell) => new()
    {
        Shell = shell,
        Snapshot = new HostSnapshot { HostName = shell.HostName, TakenAt = DateTimeOffset.UnixEpoch },
        Options = new MonitoringOptions(),
    };
}
