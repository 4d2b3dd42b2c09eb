using System.Text.Json;
using Macha.Web.Cli;

namespace Macha.Tests.Cli;

public sealed class JsonTextTests
{
    [Theory]
    [InlineData("2026-12-04T10:00:05Z", "2026-12-04 10:00:05 UTC")]
    [InlineData("2026-12-04T12:00:05+02:00", "2026-12-04 10:00:05 UTC")]
    [InlineData("2026-12-04T23:30:00-05:00", "2026-12-05 04:30:00 UTC")]
    public void Time_AnyOffset_FormatsUtcWithLabel(string iso, string expected)
    {
        using var document = JsonDocument.Parse($$"""{"at":"{{iso}}"}""");

        var text = document.RootElement.Time("at");

        Assert.Equal(expected, text);
    }

    [Theory]
    [InlineData("""{"at":null}""")]
    [InlineData("""{"at":"soon"}""")]
    [InlineData("""{}""")]
    public void Time_MissingOrUnparsable_ReturnsEmpty(string json)
    {
        using var document = JsonDocument.Parse(json);

        Assert.Equal(string.Empty, document.RootElement.Time("at"));
    }
}
