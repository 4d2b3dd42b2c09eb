using Macha.Core.Monitoring.Parsers;
using Macha.Tests.TestData;

namespace Macha.Tests.Monitoring;

public sealed class MemInfoParserTests
{
    private const string CaseFile = "016-meminfo-container-and-old-kernel.txt";

    private const string Baseline = """
        MemTotal:        8000000 kB
        MemFree:         1000000 kB
        MemAvailable:    6000000 kB
        Buffers:          200000 kB
        Cached:          3000000 kB
        SReclaimable:     400000 kB
        SwapTotal:       2000000 kB
        SwapFree:        1500000 kB
        HugePages_Total:       0
        """;

    [Fact]
    public void Parse_Baseline_ConvertsKilobytesToBytes()
    {
        var result = MemInfoParser.Parse(Baseline);

        Assert.True(result.Succeeded);
        Assert.Equal(8000000L * 1024, result.Value.TotalBytes);
        Assert.Equal(6000000L * 1024, result.Value.AvailableBytes);
        Assert.Equal(2000000L * 1024, result.Value.SwapTotalBytes);
        Assert.Equal(1500000L * 1024, result.Value.SwapFreeBytes);
        Assert.Equal(MemInfoParser.MemAvailableSource, result.Value.AvailableSource);
        Assert.Empty(result.MissingFields);
    }

    [Fact]
    public void Parse_LxcfsContainer_UsesMemTotalMinusMemAvailable()
    {
        var result = MemInfoParser.Parse(Cases.Input(CaseFile, "A"));

        Assert.True(result.Succeeded);
        Assert.Equal(4194304L * 1024, result.Value.TotalBytes);
        Assert.Equal(2716972L * 1024, result.Value.AvailableBytes);
        Assert.Equal(MemInfoParser.MemAvailableSource, result.Value.AvailableSource);
        Assert.Equal(35.2, result.Value.UsedPercent, precision: 1);
    }

    [Fact]
    public void Parse_LxcfsContainer_ReadsSwapAndIgnoresHostValues()
    {
        var result = MemInfoParser.Parse(Cases.Input(CaseFile, "A"));

        Assert.True(result.Succeeded);
        Assert.Equal(3743316L * 1024, result.Value.SwapTotalBytes);
        Assert.Equal(2680184L * 1024, result.Value.SwapFreeBytes);
        Assert.InRange(result.Value.UsedPercent, 0, 100);
        Assert.Empty(result.MissingFields);
    }

    [Fact]
    public void Parse_OpenVzWithoutMemAvailable_FallsBackToCachedSum()
    {
        var result = MemInfoParser.Parse(Cases.Input(CaseFile, "B"));

        Assert.True(result.Succeeded);
        Assert.Equal(2097152L * 1024, result.Value.TotalBytes);
        Assert.Equal(1600704L * 1024, result.Value.AvailableBytes);
        Assert.Equal("MemFree+Buffers+Cached", result.Value.AvailableSource);
        Assert.Equal(23.7, result.Value.UsedPercent, precision: 1);
    }

    [Fact]
    public void Parse_OpenVzWithoutSwap_ReportsNoSwapAsValid()
    {
        var result = MemInfoParser.Parse(Cases.Input(CaseFile, "B"));

        Assert.True(result.Succeeded);
        Assert.Equal(0, result.Value.SwapTotalBytes);
        Assert.Null(result.Value.SwapUsedPercent);
        Assert.Empty(result.MissingFields);
    }

    [Fact]
    public void Parse_EmptyFile_ReturnsNoSectionWithReason()
    {
        var result = MemInfoParser.Parse(Cases.Input(CaseFile, "C"));

        Assert.False(result.Succeeded);
        Assert.Contains("empty", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FallbackWithSReclaimable_AddsIt()
    {
        var input = Baseline.Replace("MemAvailable:    6000000 kB\n", "", StringComparison.Ordinal);

        var result = MemInfoParser.Parse(input);

        Assert.True(result.Succeeded);
        Assert.Equal((1000000L + 200000 + 3000000 + 400000) * 1024, result.Value.AvailableBytes);
        Assert.Equal("MemFree+Buffers+Cached+SReclaimable", result.Value.AvailableSource);
    }

    [Fact]
    public void Parse_FallbackWithoutCached_ListsCachedAsMissing()
    {
        var input = Baseline
            .Replace("MemAvailable:    6000000 kB\n", "", StringComparison.Ordinal)
            .Replace("Cached:          3000000 kB\n", "", StringComparison.Ordinal);

        var result = MemInfoParser.Parse(input);

        Assert.True(result.Succeeded);
        Assert.Equal(["Cached"], result.MissingFields);
        Assert.Equal("MemFree+Buffers+SReclaimable", result.Value.AvailableSource);
    }

    [Fact]
    public void Parse_SwapLinesMissing_ListsThemAsMissing()
    {
        var input = Baseline
            .Replace("SwapTotal:       2000000 kB\n", "", StringComparison.Ordinal)
            .Replace("SwapFree:        1500000 kB\n", "", StringComparison.Ordinal);

        var result = MemInfoParser.Parse(input);

        Assert.True(result.Succeeded);
        Assert.Equal(["SwapTotal", "SwapFree"], result.MissingFields);
    }

    [Fact]
    public void Parse_AvailableAboveTotal_ClampsToTotal()
    {
        var input = Baseline.Replace("MemAvailable:    6000000 kB", "MemAvailable:    9000000 kB", StringComparison.Ordinal);

        var result = MemInfoParser.Parse(input);

        Assert.True(result.Succeeded);
        Assert.Equal(result.Value.TotalBytes, result.Value.AvailableBytes);
        Assert.Equal(0, result.Value.UsedPercent);
    }

    [Fact]
    public void Parse_LinesInAnotherOrder_ReadsByKey()
    {
        var reversed = string.Join('\n', Baseline.Split('\n').Reverse());

        var result = MemInfoParser.Parse(reversed);

        Assert.True(result.Succeeded);
        Assert.Equal(8000000L * 1024, result.Value.TotalBytes);
        Assert.Equal(6000000L * 1024, result.Value.AvailableBytes);
    }

    [Fact]
    public void Parse_ValueOverflowingBytes_IgnoresThatLine()
    {
        var input = Baseline + "\nVmallocTotal:   99999999999999999 kB\n";

        var result = MemInfoParser.Parse(input);

        Assert.True(result.Succeeded);
        Assert.Equal(8000000L * 1024, result.Value.TotalBytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\n")]
    [InlineData("MemTot")]
    [InlineData("MemTotal:")]
    [InlineData("MemTotal:        abc kB\nMemFree: 1 kB\n")]
    [InlineData("MemTotal:        -5 kB\nMemFree: 1 kB\n")]
    [InlineData("MemTotal:        0 kB\nMemFree: 0 kB\n")]
    [InlineData("MemTotal:        100 MB\nMemFree: 1 kB\n")]
    [InlineData("MemTotal:        100 kB\n")]
    [InlineData("\u0000\u0001\u00ff\ufffd:\u0002 \u0003 kB\u0000")]
    [InlineData("Speicher gesamt:  8000000 kB\nSpeicher frei:    1000000 kB\n")]
    public void Parse_BadInput_ReturnsFailureWithoutThrowing(string input)
    {
        var result = MemInfoParser.Parse(input);

        Assert.False(result.Succeeded);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
    }

    [Fact]
    public void Parse_TruncatedAfterMemAvailable_ListsSwapAsMissing()
    {
        var truncated = Baseline[..Baseline.IndexOf("Buffers", StringComparison.Ordinal)] + "Buff";

        var result = MemInfoParser.Parse(truncated);

        Assert.True(result.Succeeded);
        Assert.Equal(["SwapTotal", "SwapFree"], result.MissingFields);
    }
}
