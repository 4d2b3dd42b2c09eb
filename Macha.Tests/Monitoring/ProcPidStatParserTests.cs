using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class ProcPidStatParserTests
{
    // /proc/PID/stat of a busy process on Linux 6.1, utime 5000 and stime 1200 ticks, started at tick 187286.
    private const string Baseline =
        "5032 (dotnet) S 5028 5028 32150 0 -1 4194304 103 0 0 0 5000 1200 0 0 20 0 1 0 187286 3133440 392 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";

    [Fact]
    public void Parse_Baseline_SumsUserAndSystemTime()
    {
        var result = ProcPidStatParser.Parse(Baseline);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(6200, result.Value.CpuTimeTicks);
        Assert.Equal(187286, result.Value.StartTimeTicks);
    }

    [Theory]
    [InlineData("(Web Content)")]
    [InlineData("(a) b) S (c)")]
    [InlineData("()")]
    public void Parse_NameWithSpacesOrParentheses_CountsFromLastParenthesis(string name)
    {
        var result = ProcPidStatParser.Parse(Baseline.Replace("(dotnet)", name, StringComparison.Ordinal));

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(6200, result.Value.CpuTimeTicks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5032 dotnet S 5028")]
    [InlineData("5032 (dotnet) S 5028 5028 32150")]
    [InlineData("\u0000\u0001\u00ff\ufffd)")]
    public void Parse_BadInput_Fails(string input)
    {
        var result = ProcPidStatParser.Parse(input);

        Assert.False(result.Succeeded);
    }

    [Fact]
    public void Parse_NonNumericTime_Fails()
    {
        var result = ProcPidStatParser.Parse(Baseline.Replace(" 5000 1200 ", " 5000 x ", StringComparison.Ordinal));

        Assert.False(result.Succeeded);
        Assert.Contains("not a number", result.Error, StringComparison.Ordinal);
    }
}
