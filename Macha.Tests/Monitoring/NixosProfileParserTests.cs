using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class NixosProfileParserTests
{
    [Theory]
    [InlineData("system-142-link\n", 142)]
    [InlineData("system-1-link", 1)]
    [InlineData("/nix/var/nix/profiles/system-87-link\n", 87)]
    public void ParseProfileLink_GenerationLink_ReadsNumber(string output, int expected)
    {
        var result = NixosProfileParser.ParseProfileLink(output);

        Assert.True(result.Succeeded);
        Assert.Equal(expected, result.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("system-0-link")]
    [InlineData("system--1-link")]
    [InlineData("system-99999999999-link")]
    [InlineData("../../../../etc/passwd")]
    [InlineData("system-142-link; reboot")]
    [InlineData("/nix/var/nix/profiles/../system-142-link")]
    [InlineData("\u0000\u0001\u00ff\ufffd")]
    public void ParseProfileLink_NotGenerationLink_ReturnsFailureWithoutThrowing(string output)
    {
        var result = NixosProfileParser.ParseProfileLink(output);

        Assert.False(result.Succeeded);
        Assert.Contains("does not point to a system-N-link generation", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseGenerationList_ProfilesDirectory_ReadsOnlySystemGenerations()
    {
        var result = NixosProfileParser.ParseGenerationList(NixosRecordings.ProfileList2411);

        Assert.True(result.Succeeded);
        Assert.Equal(Enumerable.Range(131, 12), result.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("default\nper-user\nsystem\n")]
    [InlineData("ls: cannot open directory '/nix/var/nix/profiles': Permission denied\n")]
    [InlineData("\u0000\u0001\u00ff\ufffd")]
    public void ParseGenerationList_NoGeneration_ReturnsFailure(string output)
    {
        var result = NixosProfileParser.ParseGenerationList(output);

        Assert.False(result.Succeeded);
        Assert.Contains("lists no system-N-link generation", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseEpochSeconds_StatOutput_ReadsTime()
    {
        var result = NixosProfileParser.ParseEpochSeconds("1733829012\n");

        Assert.True(result.Succeeded);
        Assert.Equal(new DateTimeOffset(2024, 12, 10, 11, 10, 12, TimeSpan.Zero), result.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-5")]
    [InlineData("1733829012.5")]
    [InlineData("99999999999999999999")]
    [InlineData("stat: cannot statx '/nix/var/nix/profiles/system-142-link': No such file or directory")]
    public void ParseEpochSeconds_NotSeconds_ReturnsFailure(string output)
    {
        var result = NixosProfileParser.ParseEpochSeconds(output);

        Assert.False(result.Succeeded);
        Assert.Contains("stat printed no modification time", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void GenerationLinkPath_Number_BuildsPath()
    {
        var path = NixosProfileParser.GenerationLinkPath(142);

        Assert.Equal("/nix/var/nix/profiles/system-142-link", path);
    }
}
