using Macha.Core.Analysis.ModelClient;

namespace Macha.Tests.Analysis.ModelClient;

public sealed class TextToolCallParserTests
{
    private static readonly HashSet<string> Declared = new(["unit_status", "journal_tail"], StringComparer.Ordinal);

    [Theory]
    [InlineData("""{"name":"unit_status","arguments":{"unit":"a"}}""", 1)]
    [InlineData("""  {"name":"unit_status","parameters":{"unit":"a"}}  """, 1)]
    [InlineData("""{"name":"journal_tail"}""", 1)]
    [InlineData("```json\n{\"name\":\"unit_status\",\"arguments\":{}}\n```", 1)]
    [InlineData("```\n{\"name\":\"unit_status\",\"arguments\":{}}\n```", 1)]
    [InlineData("""{"name":"unit_status","arguments":{}}{"name":"journal_tail","arguments":{}}""", 2)]
    [InlineData("{\"name\":\"unit_status\",\"arguments\":{}}\n\n{\"name\":\"journal_tail\",\"arguments\":{}}", 2)]
    public void TryParse_WholeContentCalls_ReturnsCalls(string content, int expectedCount)
    {
        var calls = TextToolCallParser.TryParse(content, Declared);

        Assert.Equal(expectedCount, calls?.Count);
    }

    [Theory]
    [InlineData("""I will call {"name":"unit_status","arguments":{"unit":"a"}}""")]
    [InlineData("""{"name":"unit_status","arguments":{"unit":"a"}} and then I stop.""")]
    [InlineData("""{"name":"rm_rf","arguments":{}}""")]
    [InlineData("""{"name":"unit_status","arguments":{}} {"name":"rm_rf","arguments":{}}""")]
    [InlineData("""{"name":"unit_status","arguments":"{\"unit\":\"a\"}"}""")]
    [InlineData("""{"name":"UNIT_STATUS","arguments":{}}""")]
    [InlineData("""[{"name":"unit_status","arguments":{}}]""")]
    [InlineData("""{"name":"unit_status","arguments":{}""")]
    [InlineData("""{"name":"unit_status","arguments":{}}, {"name":"journal_tail"}""")]
    [InlineData("""{"tool":"unit_status","arguments":{}}""")]
    [InlineData("```bash\n{\"name\":\"unit_status\",\"arguments\":{}}\n```")]
    [InlineData("```json\n{\"name\":\"unit_status\",\"arguments\":{}}\n```\n```json\n{\"name\":\"journal_tail\"}\n```")]
    [InlineData("")]
    [InlineData("The unit failed because port 80 is in use.")]
    public void TryParse_NotStrictlyACall_ReturnsNull(string content)
    {
        var calls = TextToolCallParser.TryParse(content, Declared);

        Assert.Null(calls);
    }

    [Fact]
    public void TryParse_NoToolsDeclared_ReturnsNull()
    {
        var calls = TextToolCallParser.TryParse("""{"name":"unit_status","arguments":{}}""", new HashSet<string>());

        Assert.Null(calls);
    }
}
