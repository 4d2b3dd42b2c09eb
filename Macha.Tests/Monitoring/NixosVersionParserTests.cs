using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class NixosVersionParserTests
{
    [Fact]
    public void ParseJson_Nixos2411_ReadsVersionAndNixpkgsRevision()
    {
        var result = NixosVersionParser.ParseJson(NixosRecordings.VersionJson2411);

        Assert.True(result.Succeeded);
        Assert.Equal(new NixosVersion("24.11.719113.50ab793786d9 (Vicuna)", "50ab793786d9de88ee30ec4e4c24fb4236fc2674", null), result.Value);
    }

    [Fact]
    public void ParseJson_FlakeWithRevision_ReadsConfigurationRevision()
    {
        var result = NixosVersionParser.ParseJson(NixosRecordings.VersionJson2505Flake);

        Assert.True(result.Succeeded);
        Assert.Equal("9f3b2c41d7e05a6b8c1d2e3f4a5b6c7d8e9f0a1b", result.Value.ConfigurationRevision);
        Assert.Equal("25.05.806273.650e572363c0 (Warbler)", result.Value.Version);
    }

    [Fact]
    public void ParseJson_RevisionNotHexadecimal_DropsIt()
    {
        var result = NixosVersionParser.ParseJson("""{"nixosVersion":"24.11.719113.50ab793786d9 (Vicuna)","nixpkgsRevision":"$(reboot)"}""");

        Assert.True(result.Succeeded);
        Assert.Null(result.Value.NixpkgsRevision);
    }

    [Theory]
    [InlineData("")]
    [InlineData("20.03.3258.86fa45b0ff1 (Markhor)\n")]
    [InlineData("{\"nixosVer")]
    [InlineData("{}")]
    [InlineData("{\"nixosVersion\":42}")]
    [InlineData("{\"nixosVersion\":\"rm -rf /\"}")]
    [InlineData("[\"24.11\"]")]
    [InlineData("\u0000\u0001\u00ff\ufffd")]
    public void ParseJson_NotVersionJson_ReturnsFailureWithoutThrowing(string output)
    {
        var result = NixosVersionParser.ParseJson(output);

        Assert.False(result.Succeeded);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
    }

    [Theory]
    [InlineData("24.11.719113.50ab793786d9 (Vicuna)\n", "24.11.719113.50ab793786d9 (Vicuna)")]
    [InlineData("20.03.3258.86fa45b0ff1 (Markhor)\n", "20.03.3258.86fa45b0ff1 (Markhor)")]
    [InlineData("25.11pre812345.abcdef012345 (Xantusia)\n", "25.11pre812345.abcdef012345 (Xantusia)")]
    [InlineData("24.05\n", "24.05")]
    public void ParsePlain_VersionLine_ReadsIt(string output, string expected)
    {
        var result = NixosVersionParser.ParsePlain(output);

        Assert.True(result.Succeeded);
        Assert.Equal(expected, result.Value.Version);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Segmentation fault\n")]
    [InlineData("nixos-version: command not found\n")]
    [InlineData("\u0000\u0001\u00ff\ufffd")]
    public void ParsePlain_NotVersion_ReturnsFailureWithFirstBytes(string output)
    {
        var result = NixosVersionParser.ParsePlain(output);

        Assert.False(result.Succeeded);
        Assert.Contains("nixos-version printed no version", result.Error, StringComparison.Ordinal);
    }
}
