using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class LogTextSanitizerTests
{
    [Theory]
    [InlineData("\u001b[32minfo\u001b[39m: started", "info: started")]
    [InlineData("\u001b[0;1;31mfailed\u001b[0m", "failed")]
    [InlineData("\u009b31mred", "red")]
    [InlineData("\u001b]0;window title\u0007text", "text")]
    [InlineData("\u001b]8;;http://example.invalid\u001b\\link", "link")]
    [InlineData("a\u001bMb", "ab")]
    public void Sanitize_AnsiEscapes_RemovesThem(string input, string expected)
    {
        var sanitized = LogTextSanitizer.Sanitize(input);

        Assert.Equal(expected, sanitized);
    }

    [Theory]
    [InlineData("bell\u0007", "bell")]
    [InlineData("carriage\rreturn", "carriagereturn")]
    [InlineData("nul\u0000byte", "nulbyte")]
    [InlineData("tab\tkept", "tab\tkept")]
    [InlineData("line\nkept", "line\nkept")]
    [InlineData("evil\u202Etxt.exe", "eviltxt.exe")]
    [InlineData("trailing   \r\n", "trailing")]
    public void Sanitize_ControlCharacters_RemovesAllButNewlineAndTab(string input, string expected)
    {
        var sanitized = LogTextSanitizer.Sanitize(input);

        Assert.Equal(expected, sanitized);
    }

    [Fact]
    public void Sanitize_LongMessage_CutsWithMarker()
    {
        var input = new string('a', 5000);

        var sanitized = LogTextSanitizer.Sanitize(input);

        Assert.StartsWith(new string('a', LogTextSanitizer.MaxMessageLength), sanitized, StringComparison.Ordinal);
        Assert.EndsWith("[… cut, 5000 chars in total]", sanitized, StringComparison.Ordinal);
    }

    [Fact]
    public void Sanitize_CutInsideSurrogatePair_KeepsTextValid()
    {
        var input = new string('a', LogTextSanitizer.MaxMessageLength - 1) + "😀" + new string('b', 100);

        var sanitized = LogTextSanitizer.Sanitize(input);

        Assert.False(char.IsHighSurrogate(sanitized[LogTextSanitizer.MaxMessageLength - 1]));
    }

    [Fact]
    public void Sanitize_ManyLines_KeepsFirstLinesWithMarker()
    {
        var input = string.Join('\n', Enumerable.Range(1, 25).Select(number => $"line {number}"));

        var sanitized = LogTextSanitizer.Sanitize(input);

        Assert.StartsWith("line 1\nline 2\n", sanitized, StringComparison.Ordinal);
        Assert.Contains("line 10\n", sanitized, StringComparison.Ordinal);
        Assert.DoesNotContain("line 11", sanitized, StringComparison.Ordinal);
        Assert.EndsWith("[… 15 more lines cut]", sanitized, StringComparison.Ordinal);
    }
}
