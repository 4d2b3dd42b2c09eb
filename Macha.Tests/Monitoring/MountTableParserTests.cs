using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class MountTableParserTests
{
    // /proc/self/mountinfo of a Debian 12 host with an NFS home share, a CIFS share and an sshfs mount.
    private const string MountInfoBaseline = """
        22 27 0:21 / /proc rw,relatime - proc proc rw
        27 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro
        88 27 0:52 / /home rw,relatime shared:40 - nfs4 nfs1:/export/home rw,vers=4.2,hard,proto=tcp
        91 27 0:55 / /mnt/team\040share rw,relatime shared:42 master:7 - cifs //files/team rw,vers=3.1.1
        95 27 0:58 / /mnt/backup rw,nosuid,nodev,relatime shared:44 - fuse.sshfs backup@vault:/srv rw,user_id=0
        """;

    [Fact]
    public void ParseMountInfo_Baseline_ReadsEveryMount()
    {
        var table = MountTableParser.ParseMountInfo(MountInfoBaseline);

        Assert.Equal(5, table.Mounts.Count);
        Assert.Empty(table.UnparsedLines);
    }

    [Fact]
    public void ParseMountInfo_NfsLine_ReadsTypeAndSourceAfterSeparator()
    {
        var mount = MountTableParser.ParseMountInfo(MountInfoBaseline).Mounts[2];

        Assert.Equal(new MountEntry("nfs1:/export/home", "/home", "nfs4"), mount);
    }

    [Fact]
    public void ParseMountInfo_TwoOptionalFields_StillFindsType()
    {
        var mount = MountTableParser.ParseMountInfo(MountInfoBaseline).Mounts[3];

        Assert.Equal("cifs", mount.FilesystemType);
        Assert.Equal("//files/team", mount.Source);
    }

    [Fact]
    public void ParseMountInfo_EscapedSpace_DecodesMountPoint()
    {
        var mount = MountTableParser.ParseMountInfo(MountInfoBaseline).Mounts[3];

        Assert.Equal("/mnt/team share", mount.MountPoint);
    }

    [Fact]
    public void ParseMounts_ProcMountsLine_ReadsFields()
    {
        var table = MountTableParser.ParseMounts("nfs1:/export/home /home nfs rw,hard 0 0\n/dev/vda1 / ext4 rw 0 0\n");

        Assert.Equal(new MountEntry("nfs1:/export/home", "/home", "nfs"), table.Mounts[0]);
        Assert.Equal(2, table.Mounts.Count);
    }

    [Theory]
    [InlineData(@"/mnt/a\040b", "/mnt/a b")]
    [InlineData(@"/mnt/tab\011here", "/mnt/tab\there")]
    [InlineData(@"/mnt/new\012line", "/mnt/new\nline")]
    [InlineData(@"/mnt/back\134slash", @"/mnt/back\slash")]
    [InlineData(@"/mnt/short\04", @"/mnt/short\04")]
    [InlineData(@"/mnt/big\777", @"/mnt/big\777")]
    [InlineData(@"/mnt/end\", @"/mnt/end\")]
    public void DecodeOctalEscapes_Escape_DecodesOnlyValidOnes(string text, string expected)
    {
        var decoded = MountTableParser.DecodeOctalEscapes(text);

        Assert.Equal(expected, decoded);
    }

    [Theory]
    [InlineData("22 27 0:21 / /proc rw,relatime proc proc rw")]
    [InlineData("22 27 0:21 / /proc rw,relatime -")]
    [InlineData("22 27 0:21 / proc rw,relatime - proc proc rw")]
    [InlineData("22 27 0:21")]
    [InlineData("\u0000\u0001\u00ff\ufffd")]
    public void ParseMountInfo_BadLine_ListsItAsUnparsed(string line)
    {
        var table = MountTableParser.ParseMountInfo(MountInfoBaseline + "\n" + line + "\n");

        Assert.Equal(5, table.Mounts.Count);
        Assert.Equal([line], table.UnparsedLines);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    public void ParseMountInfo_Empty_ReturnsNothing(string input)
    {
        var table = MountTableParser.ParseMountInfo(input);

        Assert.Empty(table.Mounts);
        Assert.Empty(table.UnparsedLines);
    }
}
