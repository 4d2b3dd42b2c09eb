using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class JournalCursorTests
{
    private const string Early = "s=0a1b;i=1f;b=11;m=1;t=5e;x=9f";
    private const string Late = "s=0a1b;i=2a;b=11;m=2;t=5f;x=9e";
    private const string OtherSequence = "s=ffff;i=ff;b=11;m=3;t=60;x=9d";

    [Theory]
    [InlineData(Early, Late, Late)]
    [InlineData(Late, Early, Late)]
    [InlineData(Early, OtherSequence, Early)]
    [InlineData(null, Late, Late)]
    [InlineData(Early, null, Early)]
    [InlineData("not a cursor", Late, "not a cursor")]
    public void Later_TwoCursors_ReturnsLaterOrPreferred(string? preferred, string? other, string expected)
    {
        Assert.Equal(expected, JournalCursor.Later(preferred, other));
    }
}
