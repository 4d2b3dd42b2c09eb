using Macha.Core.Monitoring.Parsers;
using Macha.Tests.TestData;

namespace Macha.Tests.Monitoring;

public sealed class SystemctlUnitsParserTests
{
    [Fact]
    public void Parse_TableWithMarkerColumn_ReadsBothUnits()
    {
        var output = Cases.Input("001-systemctl-failed-text-bullets.txt", "A");

        var result = SystemctlUnitsParser.Parse(output);

        Assert.True(result.Succeeded);
        Assert.Equal(UnitListFormat.Text, result.Format);
        Assert.Equal(["sysroot-usr.mount", "sysroot-usr-fsck.service"], result.Units.Select(unit => unit.Name));
        Assert.All(result.Units, unit => Assert.Equal("not-found", unit.Load));
        Assert.All(result.Units, unit => Assert.Equal("failed", unit.Active));
        Assert.All(result.Units, unit => Assert.Equal("failed", unit.Sub));
    }

    [Fact]
    public void Parse_DescriptionEqualToName_ReturnsNullDescription()
    {
        var output = Cases.Input("001-systemctl-failed-text-bullets.txt", "A");

        var result = SystemctlUnitsParser.Parse(output);

        Assert.All(result.Units, unit => Assert.Null(unit.Description));
    }

    [Fact]
    public void Parse_DescriptionWithSpaces_KeepsWholeText()
    {
        var output = Cases.Input("001-systemctl-failed-text-bullets.txt", "B");

        var result = SystemctlUnitsParser.Parse(output);

        var unit = Assert.Single(result.Units);
        Assert.Equal("apache2.service", unit.Name);
        Assert.Equal("loaded", unit.Load);
        Assert.Equal("failed", unit.Active);
        Assert.Equal("failed", unit.Sub);
        Assert.Equal("The Apache Webserver", unit.Description);
    }

    [Fact]
    public void Parse_TableInsteadOfJson_ReadsTable()
    {
        var output = Cases.Input("002-systemctl-json-on-old-systemd.txt", "A");

        var result = SystemctlUnitsParser.Parse(output);

        Assert.True(result.Succeeded);
        Assert.Equal(UnitListFormat.Text, result.Format);
        Assert.Equal(
            ["resticprofile-backup@profile-main.service", "resticprofile-backup@profile-main.timer"],
            result.Units.Select(unit => unit.Name));
        Assert.Equal("backup timer for profile main in profiles.toml", result.Units[1].Description);
        Assert.Equal("waiting", result.Units[1].Sub);
    }

    [Fact]
    public void Parse_FooterOnlyWithZeroUnits_ReturnsEmptySuccess()
    {
        var output = Cases.Input("002-systemctl-json-on-old-systemd.txt", "B");

        var result = SystemctlUnitsParser.Parse(output);

        Assert.True(result.Succeeded);
        Assert.Empty(result.Units);
    }

    [Fact]
    public void Parse_JsonArray_ReadsTemplateInstances()
    {
        // The shape systemd 246 and later print, as recorded in 002-systemctl-json-on-old-systemd.txt.
        const string output =
            """[{"unit":"resticprofile-backup@profile-main.service","load":"loaded","active":"inactive","sub":"dead","description":"resticprofile backup for profile main in profiles.toml"},{"unit":"resticprofile-backup@profile-main.timer","load":"loaded","active":"active","sub":"waiting","description":"backup timer for profile main in profiles.toml"}]""";

        var result = SystemctlUnitsParser.Parse(output);

        Assert.True(result.Succeeded);
        Assert.Equal(UnitListFormat.Json, result.Format);
        Assert.Equal(
            ["resticprofile-backup@profile-main.service", "resticprofile-backup@profile-main.timer"],
            result.Units.Select(unit => unit.Name));
        Assert.Equal("resticprofile backup for profile main in profiles.toml", result.Units[0].Description);
        Assert.Equal("inactive", result.Units[0].Active);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("  \n[]\n")]
    [InlineData("")]
    [InlineData("\n\n")]
    public void Parse_NothingListed_ReturnsEmptySuccess(string output)
    {
        var result = SystemctlUnitsParser.Parse(output);

        Assert.True(result.Succeeded);
        Assert.Empty(result.Units);
    }

    [Theory]
    [InlineData(@"dev-disk-by\x2duuid-does\x2dnot\x2dexist.device")]
    [InlineData(@"systemd-fsck@dev-disk-by\x2dlabel-500_boot.service")]
    [InlineData("-.mount")]
    [InlineData("user@1021.service")]
    public void Parse_JsonWithSpecialUnitName_KeepsNameExact(string name)
    {
        var escaped = name.Replace(@"\", @"\\", StringComparison.Ordinal);
        var output = $$"""[{"unit":"{{escaped}}","load":"loaded","active":"failed","sub":"failed","description":"Something"}]""";

        var result = SystemctlUnitsParser.Parse(output);

        Assert.Equal(name, Assert.Single(result.Units).Name);
    }

    [Theory]
    [InlineData(@"dev-disk-by\x2duuid-does\x2dnot\x2dexist.device")]
    [InlineData(@"systemd-fsck@dev-disk-by\x2dlabel-500_boot.service")]
    [InlineData("-.mount")]
    [InlineData("user@1021.service")]
    public void Parse_PlainTableWithSpecialUnitName_KeepsNameExact(string name)
    {
        var output = $"{name} loaded failed failed Something with spaces\n";

        var result = SystemctlUnitsParser.Parse(output);

        Assert.Equal(name, Assert.Single(result.Units).Name);
    }

    [Fact]
    public void Parse_AsteriskMarkerUnderCLocale_IsNotAColumn()
    {
        var output = "* nginx.service loaded failed failed A high performance web server\n";

        var result = SystemctlUnitsParser.Parse(output);

        var unit = Assert.Single(result.Units);
        Assert.Equal("nginx.service", unit.Name);
        Assert.Equal("A high performance web server", unit.Description);
    }

    [Fact]
    public void Parse_JsonDescriptionEqualToName_ReturnsNullDescription()
    {
        var output = """[{"unit":"foo.service","load":"loaded","active":"failed","sub":"failed","description":"foo.service"}]""";

        var result = SystemctlUnitsParser.Parse(output);

        Assert.Null(Assert.Single(result.Units).Description);
    }

    [Theory]
    [InlineData("[{\"unit\":\"foo.service\",\"load\":\"loaded\",\"act")]
    [InlineData("[1, 2]")]
    [InlineData("[{\"load\":\"loaded\"}]")]
    [InlineData("[not json")]
    [InlineData("\u0001\u0002\u00ff\u0000binary\u0007")]
    [InlineData("Keine Units gefunden.\n")]
    [InlineData("没有找到单元。\n")]
    [InlineData("Failed to list units: Access denied\n")]
    public void Parse_UnparsableOutput_ReturnsFailureWithFirstBytes(string output)
    {
        var result = SystemctlUnitsParser.Parse(output);

        Assert.False(result.Succeeded);
        Assert.Empty(result.Units);
        Assert.False(string.IsNullOrEmpty(result.FirstBytes));
        Assert.NotNull(result.Error);
    }

    [Fact]
    public void Parse_LongUnparsableOutput_KeepsOnlyFirstBytes()
    {
        var output = new string('x', 10_000);

        var result = SystemctlUnitsParser.Parse(output);

        Assert.Equal(200, result.FirstBytes!.Length);
    }
}
