using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class LoadAvgParserTests
{
    [Fact]
    public void Parse_TypicalLine_ReadsThreeAverages()
    {
        var result = LoadAvgParser.Parse("1.54 0.47 0.17 2/102 4137\n");

        Assert.True(result.Succeeded);
        Assert.Equal(1.54, result.Value.Load1);
        Assert.Equal(0.47, result.Value.Load5);
        Assert.Equal(0.17, result.Value.Load15);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.54 0.47")]
    [InlineData("1,54 0,47 0,17 2/102 4137")]
    [InlineData("-1.0 0.47 0.17 2/102 4137")]
    [InlineData("NaN 0.47 0.17 2/102 4137")]
    [InlineData("Infinity 0.47 0.17")]
    [InlineData("\u0000\u0001\u00ff \ufffd \u0002")]
    public void Parse_BadInput_ReturnsFailureWithoutThrowing(string input)
    {
        var result = LoadAvgParser.Parse(input);

        Assert.False(result.Succeeded);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
    }
}
