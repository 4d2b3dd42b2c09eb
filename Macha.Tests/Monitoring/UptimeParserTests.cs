using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class UptimeParserTests
{
    [Fact]
    public void Parse_TypicalLine_ReadsSecondsSinceBoot()
    {
        var result = UptimeParser.Parse("320.58 546.80\n");

        Assert.True(result.Succeeded);
        Assert.Equal(TimeSpan.FromMilliseconds(320580), result.Value);
    }

    [Fact]
    public void Parse_YearsOfUptime_ReadsThem()
    {
        var result = UptimeParser.Parse("157680000.00 1.00\n");

        Assert.True(result.Succeeded);
        Assert.Equal(TimeSpan.FromDays(1825), result.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc 546.80")]
    [InlineData("320,58 546,80")]
    [InlineData("-5.00 1.00")]
    [InlineData("NaN 1.00")]
    [InlineData("1e300 1.00")]
    [InlineData("99999999999999999999 1.00")]
    [InlineData("\u0000\u0001\u00ff\ufffd")]
    public void Parse_BadInput_ReturnsFailureWithoutThrowing(string input)
    {
        var result = UptimeParser.Parse(input);

        Assert.False(result.Succeeded);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
    }
}
