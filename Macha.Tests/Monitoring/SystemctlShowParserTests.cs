using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class SystemctlShowParserTests
{
    // systemd 252 printing --property=Id,NRestarts,Result,ExecMainStatus for two services: the
    // service's own properties come first, Id last, and a blank line separates the units.
    private const string TwoServices =
        "Result=success\n" +
        "NRestarts=0\n" +
        "ExecMainStatus=0\n" +
        "Id=cron.service\n" +
        "\n" +
        "Result=exit-code\n" +
        "NRestarts=7\n" +
        "ExecMainStatus=1\n" +
        "Id=systemd-fsck@dev-disk-by\\x2dlabel-500_boot.service\n";

    [Fact]
    public void Parse_TwoBlocks_ReturnsOneBlockPerUnit()
    {
        var result = SystemctlShowParser.Parse(TwoServices);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(["cron.service", @"systemd-fsck@dev-disk-by\x2dlabel-500_boot.service"], result.Value.Select(block => block.Id));
        Assert.Equal("exit-code", result.Value[1].Text("Result"));
    }

    [Fact]
    public void Parse_CrLfAndTrailingBlankLines_ReturnsSameBlocks()
    {
        var output = TwoServices.Replace("\n", "\r\n", StringComparison.Ordinal) + "\r\n\r\n";

        var result = SystemctlShowParser.Parse(output);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(2, result.Value.Count);
        Assert.Equal("cron.service", result.Value[0].Id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    public void Parse_NoOutput_ReturnsNoBlocks(string output)
    {
        var result = SystemctlShowParser.Parse(output);

        Assert.True(result.Succeeded, result.Error);
        Assert.Empty(result.Value);
    }

    [Fact]
    public void Parse_ValueWithEqualsAndQuotes_KeepsWholeValue()
    {
        const string output = "Id=gone.service\nLoadError=org.freedesktop.systemd1.NoSuchUnit \"Unit gone.service not found.\"\n";

        var result = SystemctlShowParser.Parse(output);

        Assert.Equal("org.freedesktop.systemd1.NoSuchUnit \"Unit gone.service not found.\"", Assert.Single(result.Value!).Text("LoadError"));
    }

    [Theory]
    [InlineData("Failed to get properties: Access denied\n")]
    [InlineData("Eigenschaften konnten nicht abgefragt werden: Zugriff verweigert\n")]
    [InlineData("Id=cron.service\nNRestar")]
    [InlineData("\u0001\u0002\u00ff\u0000binary")]
    [InlineData("=value\n")]
    [InlineData("nRestarts=0\n")]
    [InlineData("Id=a.service\n Result=success\n")]
    public void Parse_NotPropertyLines_FailsNamingLine(string output)
    {
        var result = SystemctlShowParser.Parse(output);

        Assert.False(result.Succeeded);
        Assert.Contains("is not a Name=value property", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_PropertyTwiceInOneBlock_Fails()
    {
        var result = SystemctlShowParser.Parse("Id=a.service\nNRestarts=0\nId=b.service\nNRestarts=1\n");

        Assert.False(result.Succeeded);
        Assert.Contains("property Id appears twice", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ControlCharacterInLine_ExcerptIsPrintable()
    {
        var result = SystemctlShowParser.Parse("\u001b[31mId\u001b[0m=a.service\n");

        Assert.False(result.Succeeded);
        Assert.DoesNotContain('\u001b', result.Error);
    }

    [Theory]
    [InlineData("NRestarts=12", "NRestarts", 12L)]
    [InlineData("NRestarts=0", "NRestarts", 0L)]
    [InlineData("NRestarts=", "NRestarts", null)]
    [InlineData("Result=success", "NRestarts", null)]
    [InlineData("ExecMainStatus=-1", "ExecMainStatus", -1L)]
    public void TryGetInteger_ValidOrAbsent_ReturnsValue(string line, string property, long? expected)
    {
        var block = Assert.Single(SystemctlShowParser.Parse(line + "\n").Value!);

        var read = block.TryGetInteger(property, out var value);

        Assert.True(read);
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("NRestarts=many")]
    [InlineData("NRestarts=1.5")]
    [InlineData("NRestarts=99999999999999999999999")]
    public void TryGetInteger_NotAnInteger_ReturnsFalse(string line)
    {
        var block = Assert.Single(SystemctlShowParser.Parse(line + "\n").Value!);

        Assert.False(block.TryGetInteger("NRestarts", out var value));
        Assert.Null(value);
    }

    [Theory]
    [InlineData("StateChangeTimestampMonotonic=90800000000", 90800.0)]
    [InlineData("StateChangeTimestampMonotonic=5213117", 5.213117)]
    [InlineData("StateChangeTimestampMonotonic=0", null)]
    [InlineData("StateChangeTimestampMonotonic=", null)]
    public void TryGetSinceBoot_MicrosecondsOrNever_ReturnsDuration(string line, double? expectedSeconds)
    {
        var block = Assert.Single(SystemctlShowParser.Parse(line + "\n").Value!);

        var read = block.TryGetSinceBoot("StateChangeTimestampMonotonic", out var sinceBoot);

        Assert.True(read);
        Assert.Equal(expectedSeconds, sinceBoot?.TotalSeconds);
    }

    [Theory]
    [InlineData("StateChangeTimestampMonotonic=-5")]
    [InlineData("StateChangeTimestampMonotonic=n/a")]
    [InlineData("StateChangeTimestampMonotonic=18446744073709551615")]
    public void TryGetSinceBoot_NotMicroseconds_ReturnsFalse(string line)
    {
        var block = Assert.Single(SystemctlShowParser.Parse(line + "\n").Value!);

        Assert.False(block.TryGetSinceBoot("StateChangeTimestampMonotonic", out _));
    }

    [Theory]
    [InlineData("InactiveEnterTimestamp=Thu 2026-12-03 10:26:45 UTC", "Thu 2026-12-03 10:26:45 UTC")]
    [InlineData("InactiveEnterTimestamp=Thu 2026-12-03 11:26:45 CET", "Thu 2026-12-03 11:26:45 CET")]
    [InlineData("InactiveEnterTimestamp=", null)]
    [InlineData("InactiveEnterTimestamp=n/a", null)]
    public void Timestamp_PrintedOrNever_ReturnsTextOrNull(string line, string? expected)
    {
        var block = Assert.Single(SystemctlShowParser.Parse(line + "\n").Value!);

        Assert.Equal(expected, block.Timestamp("InactiveEnterTimestamp"));
    }
}
