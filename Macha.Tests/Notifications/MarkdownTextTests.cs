using Macha.Core.Notifications;

namespace Macha.Tests.Notifications;

public sealed class MarkdownTextTests
{
    [Theory]
    [InlineData("**bold** _it_", "\\*\\*bold\\*\\* \\_it\\_")]
    [InlineData("[click](https://x.example)", "\\[click\\]\\(https\\:\\/\\/x\\.example\\)")]
    [InlineData("<script>&amp;", "\\<script\\>\\&amp\\;")]
    [InlineData("# heading `code` ~strike~ |t|", "\\# heading \\`code\\` \\~strike\\~ \\|t\\|")]
    [InlineData("déjà vu ⚠", "déjà vu ⚠")]
    public void Escape_Punctuation_EscapedForCommonMark(string text, string expected)
    {
        Assert.Equal(expected, MarkdownText.Escape(text));
    }

    [Fact]
    public void OneLine_LineBreaksAndControls_BecomeSingleSpaces()
    {
        Assert.Equal("a b c", MarkdownText.OneLine("a\r\n\tb\u0007\u001b  c\n"));
    }

    [Fact]
    public void OneLine_TooLong_EndsInEllipsis()
    {
        var line = MarkdownText.OneLine(new string('x', 50), 10);

        Assert.Equal(10, line.Length);
        Assert.EndsWith("…", line, StringComparison.Ordinal);
    }

    [Fact]
    public void OneLine_CutInSurrogatePair_DropsTheHalf()
    {
        var line = MarkdownText.OneLine("abcdefgh😀😀😀", 10);

        Assert.False(char.IsHighSurrogate(line[^2]));
        Assert.EndsWith("…", line, StringComparison.Ordinal);
    }
}
