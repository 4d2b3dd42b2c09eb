using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class PressureParserTests
{
    // /proc/pressure/memory of a host under memory pressure, Linux 6.1.
    private const string Baseline = """
        some avg10=14.32 avg60=9.87 avg300=3.05 total=812345678
        full avg10=6.10 avg60=4.44 avg300=1.20 total=301234567
        """;

    [Fact]
    public void Parse_Baseline_ReadsSomeLine()
    {
        var result = PressureParser.Parse(Baseline);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(14.32, result.Value.Some.Avg10);
        Assert.Equal(9.87, result.Value.Some.Avg60);
        Assert.Equal(3.05, result.Value.Some.Avg300);
        Assert.Equal(812345678, result.Value.Some.TotalMicroseconds);
    }

    [Fact]
    public void Parse_Baseline_ReadsFullLine()
    {
        var result = PressureParser.Parse(Baseline);

        Assert.NotNull(result.Value?.Full);
        Assert.Equal(4.44, result.Value.Full.Avg60);
        Assert.Equal(301234567, result.Value.Full.TotalMicroseconds);
    }

    [Fact]
    public void Parse_CpuBeforeLinux513_LeavesFullNull()
    {
        var result = PressureParser.Parse("some avg10=0.00 avg60=0.12 avg300=0.30 total=4567\n");

        Assert.True(result.Succeeded, result.Error);
        Assert.Null(result.Value.Full);
    }

    [Fact]
    public void Parse_UnknownFieldAndLine_SkipsThem()
    {
        var input = "some avg10=1.00 avg60=2.00 avg300=3.00 total=4 avg1=9.99\nirq avg10=0.00\n";

        var result = PressureParser.Parse(input);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(2.00, result.Value.Some.Avg60);
    }

    [Fact]
    public void Parse_WindowsLineEndings_ReadsBothLines()
    {
        var result = PressureParser.Parse(Baseline.Replace("\n", "\r\n", StringComparison.Ordinal));

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(4.44, result.Value.Full!.Avg60);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")]
    [InlineData("\u0000\u0001\u00ff\ufffd\n")]
    [InlineData("cat: /proc/pressure/memory: Operation not supported\n")]
    public void Parse_NoSomeLine_Fails(string input)
    {
        var result = PressureParser.Parse(input);

        Assert.False(result.Succeeded);
        Assert.Contains("no 'some", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("some avg10=0.00 avg60=0.00 avg300=0.00\n")]
    [InlineData("some avg10=0.00 avg60=0,50 avg300=0.00 total=1\n")]
    [InlineData("some avg10=0.00 avg60=-1.00 avg300=0.00 total=1\n")]
    [InlineData("some avg10=0.00 avg60=100.01 avg300=0.00 total=1\n")]
    [InlineData("some avg10=0.00 avg60=NaN avg300=0.00 total=1\n")]
    [InlineData("some avg10=0.00 avg60=0.00 avg300=0.00 total=99999999999999999999\n")]
    [InlineData("some avg10=0.00 avg60=0.00 avg3")]
    public void Parse_BadSomeLine_FailsQuotingIt(string input)
    {
        var result = PressureParser.Parse(input);

        Assert.False(result.Succeeded);
        Assert.Contains("'some avg10=0.00", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TruncatedFullLine_Fails()
    {
        var input = Baseline[..(Baseline.IndexOf("full", StringComparison.Ordinal) + 20)];

        var result = PressureParser.Parse(input);

        Assert.False(result.Succeeded);
        Assert.Contains("the 'full' line", result.Error, StringComparison.Ordinal);
    }
}
