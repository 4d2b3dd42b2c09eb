using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class ProcStatParserTests
{
    private const string Baseline = """
        cpu  6340 10 2253 54680 485 1 26 13 0 0
        cpu0 2899 5 1014 27924 45 0 3 5 0 0
        cpu1 3440 5 1239 26755 440 1 22 8 0 0
        intr 1234567 0 9 0 0
        ctxt 987654
        btime 1700000000
        processes 4321
        procs_running 2
        procs_blocked 0
        """;

    private static readonly CpuCounters Previous = new(User: 1000, Nice: 0, System: 500, Idle: 8000, IoWait: 100, Irq: 0, SoftIrq: 0, Steal: 0);

    [Fact]
    public void Parse_Baseline_ReadsAggregateCounters()
    {
        var result = ProcStatParser.Parse(Baseline);

        Assert.True(result.Succeeded);
        Assert.Equal(new CpuCounters(6340, 10, 2253, 54680, 485, 1, 26, 13), result.Value.Counters);
        Assert.Empty(result.MissingFields);
    }

    [Fact]
    public void Parse_Baseline_CountsPerCpuLines()
    {
        var result = ProcStatParser.Parse(Baseline);

        Assert.True(result.Succeeded);
        Assert.Equal(2, result.Value.LogicalCpuCount);
    }

    [Fact]
    public void Parse_OldKernelWithFourCounters_ListsMissingCounters()
    {
        var result = ProcStatParser.Parse("cpu  100 0 50 900\ncpu0 100 0 50 900\n");

        Assert.True(result.Succeeded);
        Assert.Equal(["iowait", "irq", "softirq", "steal"], result.MissingFields);
        Assert.Equal(900UL, result.Value.Counters.Idle);
    }

    [Fact]
    public void Parse_NoPerCpuLines_ReturnsZeroCount()
    {
        var result = ProcStatParser.Parse("cpu  100 0 50 900 1 0 0 0\n");

        Assert.True(result.Succeeded);
        Assert.Equal(0, result.Value.LogicalCpuCount);
    }

    [Fact]
    public void Parse_CountersBeyond32Bits_ReadsThem()
    {
        var result = ProcStatParser.Parse("cpu  18446744073709551000 0 0 5000000000 0 0 0 0\n");

        Assert.True(result.Succeeded);
        Assert.Equal(18446744073709551000UL, result.Value.Counters.User);
        Assert.Equal(5000000000UL, result.Value.Counters.Idle);
    }

    [Theory]
    [InlineData("")]
    [InlineData("cpu")]
    [InlineData("cpu  100 0 50")]
    [InlineData("cpu  100 zero 50 900 1 0 0 0")]
    [InlineData("cpu0 100 0 50 900 1 0 0 0\n")]
    [InlineData("\u0000\u0001cpu\u00ff\ufffd")]
    [InlineData("Prozessor  100 0 50 900")]
    [InlineData("cpu  -1 0 50 900 1 0 0 0")]
    public void Parse_BadInput_ReturnsFailureWithoutThrowing(string input)
    {
        var result = ProcStatParser.Parse(input);

        Assert.False(result.Succeeded);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
    }

    [Fact]
    public void ComputeUsage_BusyAndIoWaitDeltas_ReturnsShares()
    {
        // 1000 ticks pass: 200 user, 100 system, 600 idle, 100 iowait.
        var current = Previous with { User = 1200, System = 600, Idle = 8600, IoWait = 200 };

        var usage = ProcStatParser.ComputeUsage(Previous, current);

        Assert.Equal(30.0, usage.UsagePercent!.Value, precision: 6);
        Assert.Equal(10.0, usage.IoWaitPercent!.Value, precision: 6);
    }

    [Fact]
    public void ComputeUsage_CountersWentBackwards_ReturnsUnknown()
    {
        var afterReboot = new CpuCounters(User: 10, Nice: 0, System: 5, Idle: 80, IoWait: 1, Irq: 0, SoftIrq: 0, Steal: 0);

        var usage = ProcStatParser.ComputeUsage(Previous, afterReboot);

        Assert.Null(usage.UsagePercent);
        Assert.Null(usage.IoWaitPercent);
    }

    [Fact]
    public void ComputeUsage_NoTicksPassed_ReturnsUnknown()
    {
        var usage = ProcStatParser.ComputeUsage(Previous, Previous);

        Assert.Null(usage.UsagePercent);
        Assert.Null(usage.IoWaitPercent);
    }

    [Fact]
    public void ComputeUsage_IoWaitDecreased_KeepsUsageWithoutIoWait()
    {
        var current = Previous with { User = 1100, Idle = 8900, IoWait = 90 };

        var usage = ProcStatParser.ComputeUsage(Previous, current);

        Assert.Equal(10.0, usage.UsagePercent!.Value, precision: 6);
        Assert.Null(usage.IoWaitPercent);
    }
}
