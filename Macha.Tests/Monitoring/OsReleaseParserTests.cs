using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class OsReleaseParserTests
{
    [Theory]
    [InlineData("ID=nixos\n", "nixos")]
    [InlineData("ID=\"nixos\"\n", "nixos")]
    [InlineData("ID='nixos'\n", "nixos")]
    [InlineData("NAME=NixOS\nID=debian\nID=nixos\n", "nixos")]
    [InlineData("ID_LIKE=nixos\nID=debian\n", "debian")]
    public void ReadField_Id_ReturnsUnquotedValue(string content, string expected)
    {
        var value = OsReleaseParser.ReadField(content, "ID");

        Assert.Equal(expected, value);
    }

    [Fact]
    public void ReadField_NixosFile_ReadsId()
    {
        var value = OsReleaseParser.ReadField(NixosRecordings.OsRelease2411, "ID");

        Assert.Equal("nixos", value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("VERSION_ID=\"24.11\"\nID_LIKE=nixos\n")]
    [InlineData("\u0000\u0001\u00ff\ufffd")]
    public void ReadField_NoId_ReturnsNull(string content)
    {
        var value = OsReleaseParser.ReadField(content, "ID");

        Assert.Null(value);
    }
}
