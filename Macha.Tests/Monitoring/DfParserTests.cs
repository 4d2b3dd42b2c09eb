using Macha.Core.Monitoring.Parsers;
using Macha.Tests.TestData;

namespace Macha.Tests.Monitoring;

public sealed class DfParserTests
{
    private const string WrappedCase = "011-df-wrapped-device-lines.txt";

    private const string InodesCase = "013-df-inodes-exhausted-nixos.txt";

    private const string TypedBaseline = """
        Filesystem     Type     1024-blocks     Used Available Capacity Mounted on
        /dev/vda       ext4       264212084 13709520  83068452      15% /
        /dev/vdb1      xfs         10475520   107080  10368440       2% /srv/data
        tmpfs          tmpfs       24683784        0  24683784       0% /dev/shm
        """;

    private const string InodesBaseline = """
        Filesystem       Inodes  IUsed    IFree IUse% Mounted on
        /dev/vda       16777216 416491 16360725    3% /
        /dev/vda15            0      0        0     - /boot/efi
        """;

    [Theory]
    [InlineData(0, "/dev/mapper/vg_rh_58_v1-LogVol00", 22346236L, 7893684L, 13299300L, 38, "/")]
    [InlineData(1, "/dev/mapper/var_mysql-LogVol00", 101541152L, 284192L, 96015720L, 1, "/usr/local/mysql-data")]
    [InlineData(2, "/dev/mapper/vg_var-LogVol00", 20282620L, 291724L, 18943960L, 2, "/var")]
    [InlineData(3, "/dev/sda1", 101086L, 19995L, 75872L, 21, "/boot")]
    [InlineData(4, "tmpfs", 2025480L, 0L, 2025480L, 0, "/dev/shm")]
    public void Parse_WrappedDeviceLines_JoinsSourceWithNumbers(
        int index, string source, long sizeKilobytes, long usedKilobytes, long availableKilobytes, int percent, string mountPoint)
    {
        var table = DfParser.Parse(Cases.Input(WrappedCase, "A"));

        var row = table.Rows[index];
        Assert.Equal(source, row.Source);
        Assert.Equal(sizeKilobytes * 1024, row.Total);
        Assert.Equal(usedKilobytes * 1024, row.Used);
        Assert.Equal(availableKilobytes * 1024, row.Available);
        Assert.Equal(percent, row.UsedPercent);
        Assert.Equal(mountPoint, row.MountPoint);
    }

    [Fact]
    public void Parse_WrappedDeviceLines_ReturnsFiveRowsAndNoUnparsedLines()
    {
        var table = DfParser.Parse(Cases.Input(WrappedCase, "A"));

        Assert.True(table.HeaderRecognized);
        Assert.Equal(5, table.Rows.Count);
        Assert.Empty(table.UnparsedLines);
        Assert.DoesNotContain(table.Rows, row => row.Source.Length == 0);
    }

    [Fact]
    public void Parse_PosixFormat_MatchesWrappedFormat()
    {
        var wrapped = DfParser.Parse(Cases.Input(WrappedCase, "A"));

        var posix = DfParser.Parse(Cases.Input(WrappedCase, "C"));

        Assert.Empty(posix.UnparsedLines);
        Assert.Equal(wrapped.Rows, posix.Rows);
    }

    [Fact]
    public void Parse_HumanReadableSizes_ComparesByValueNotText()
    {
        var table = DfParser.Parse(Cases.Input(WrappedCase, "B"));

        Assert.Empty(table.UnparsedLines);
        var root = Assert.Single(table.Rows, row => row.MountPoint == "/");
        var boot = Assert.Single(table.Rows, row => row.MountPoint == "/boot");
        Assert.Equal("/dev/mapper/vg_host-lv_root", root.Source);
        Assert.Equal(17L * 1024 * 1024 * 1024, root.Total);
        Assert.Equal(384L * 1024 * 1024, boot.Available);
        Assert.True(root.Total > boot.Available);
    }

    [Fact]
    public void Parse_InodesExhausted_ReportsRootFull()
    {
        var table = DfParser.Parse(Cases.Input(InodesCase, "A3"));

        Assert.Equal(DfQuantity.Inodes, table.Quantity);
        Assert.Empty(table.UnparsedLines);
        var root = Assert.Single(table.Rows, row => row.MountPoint == "/");
        Assert.Equal("/dev/sda2", root.Source);
        Assert.Equal(100, root.UsedPercent);
        Assert.Equal(8, root.Available);
        Assert.Equal(root.Total, root.Used);
    }

    [Fact]
    public void Parse_InodesWithoutAccounting_ReturnsNullNotZero()
    {
        var table = DfParser.Parse(Cases.Input(InodesCase, "A3"));

        var boot = Assert.Single(table.Rows, row => row.MountPoint == "/boot");
        Assert.Null(boot.UsedPercent);
        Assert.Null(boot.Total);
        Assert.Null(boot.Used);
        Assert.Null(boot.Available);
    }

    [Fact]
    public void Parse_InodesExhaustedOnExt3_ListsRootFirst()
    {
        var table = DfParser.Parse(Cases.Input(InodesCase, "B"));

        Assert.Empty(table.UnparsedLines);
        Assert.Equal(7, table.Rows.Count);
        Assert.Equal("/", table.Rows[0].MountPoint);
        Assert.Equal(0, table.Rows[0].Available);
        Assert.Equal(100, table.Rows[0].UsedPercent);
    }

    [Fact]
    public void Parse_HumanReadableNixOsSpace_ReadsEveryRow()
    {
        var table = DfParser.Parse(Cases.Input(InodesCase, "A1"));

        Assert.Empty(table.UnparsedLines);
        Assert.Equal(9, table.Rows.Count);
        Assert.Equal(69, Assert.Single(table.Rows, row => row.MountPoint == "/").UsedPercent);
    }

    [Fact]
    public void Parse_TypedPosixOutput_ReadsTypeColumn()
    {
        var table = DfParser.Parse(TypedBaseline);

        Assert.Equal(DfQuantity.Bytes, table.Quantity);
        Assert.Equal(3, table.Rows.Count);
        Assert.Equal("ext4", table.Rows[0].FilesystemType);
        Assert.Equal(264212084L * 1024, table.Rows[0].Total);
        Assert.Equal("/srv/data", table.Rows[1].MountPoint);
    }

    [Fact]
    public void Parse_UntypedPosixOutput_LeavesTypeNull()
    {
        var table = DfParser.Parse(Cases.Input(WrappedCase, "C"));

        Assert.All(table.Rows, row => Assert.Null(row.FilesystemType));
    }

    [Fact]
    public void Parse_SizeBeyond32Bits_KeepsFullValue()
    {
        var input = TypedBaseline + "\n/dev/md0       ext4    21474836480 4294967296 17179869184      20% /archive\n";

        var table = DfParser.Parse(input);

        var archive = Assert.Single(table.Rows, row => row.MountPoint == "/archive");
        Assert.Equal(21474836480L * 1024, archive.Total);
        Assert.Equal(4294967296L * 1024, archive.Used);
    }

    [Theory]
    [InlineData(@"/mnt/usb\040stick", "/mnt/usb stick")]
    [InlineData(@"/srv/tab\011here", "/srv/tab\there")]
    [InlineData(@"/srv/back\134slash", @"/srv/back\slash")]
    [InlineData(@"/srv/not\04escape", @"/srv/not\04escape")]
    public void Parse_OctalEscapeInMountPoint_DecodesIt(string printed, string expected)
    {
        var input = TypedBaseline + $"\n/dev/sdb1      vfat        1000        10       990       1% {printed}\n";

        var table = DfParser.Parse(input);

        Assert.Equal(expected, table.Rows[^1].MountPoint);
    }

    [Fact]
    public void Parse_MountPointWithSpaces_KeepsItWhole()
    {
        var input = TypedBaseline + "\n/dev/sdb1      vfat        1000        10       990       1% /media/My Disk\n";

        var table = DfParser.Parse(input);

        Assert.Equal("/media/My Disk", table.Rows[^1].MountPoint);
    }

    [Fact]
    public void Parse_InodesBaseline_ReadsCountsUnscaled()
    {
        var table = DfParser.Parse(InodesBaseline);

        Assert.Equal(DfQuantity.Inodes, table.Quantity);
        Assert.Equal(16777216, table.Rows[0].Total);
        Assert.Equal(416491, table.Rows[0].Used);
        Assert.Null(table.Rows[1].Total);
    }

    [Theory]
    [InlineData("Filesystem 512-blocks Used Available Capacity Mounted on\n/dev/sda1 2000 1000 1000 50% /\n", 512)]
    [InlineData("Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/sda1 2000 1000 1000 50% /\n", 1024)]
    [InlineData("Filesystem 1M-blocks Used Available Use% Mounted on\n/dev/sda1 2000 1000 1000 50% /\n", 1024 * 1024)]
    [InlineData("Filesystem 1B-blocks Used Available Use% Mounted on\n/dev/sda1 2000 1000 1000 50% /\n", 1)]
    public void Parse_BlockSizeHeader_ScalesToBytes(string input, long blockBytes)
    {
        var table = DfParser.Parse(input);

        Assert.Equal(2000 * blockBytes, Assert.Single(table.Rows).Total);
    }

    [Fact]
    public void Parse_TruncatedLoneDeviceAtEnd_ListsItAsUnparsed()
    {
        var input = Cases.Input(WrappedCase, "A") + "/dev/mapper/cut-off-here\n";

        var table = DfParser.Parse(input);

        Assert.Equal(5, table.Rows.Count);
        Assert.Equal(["/dev/mapper/cut-off-here"], table.UnparsedLines);
    }

    [Fact]
    public void Parse_TruncatedLastRow_KeepsEarlierRows()
    {
        var input = TypedBaseline[..(TypedBaseline.LastIndexOf('\n') + 30)];

        var table = DfParser.Parse(input);

        Assert.Equal(2, table.Rows.Count);
        Assert.Single(table.UnparsedLines);
    }

    [Fact]
    public void Parse_GarbageLineBetweenRows_KeepsValidRows()
    {
        var lines = TypedBaseline.Split('\n').ToList();
        lines.Insert(2, "df: /run/user/1000/gvfs: Transport endpoint is not connected");

        var table = DfParser.Parse(string.Join('\n', lines));

        Assert.Equal(3, table.Rows.Count);
        Assert.Equal(["df: /run/user/1000/gvfs: Transport endpoint is not connected"], table.UnparsedLines);
    }

    [Fact]
    public void Parse_LoneFieldFollowedByFullRow_KeepsTheRow()
    {
        var input = "Filesystem 1K-blocks Used Available Use% Mounted on\nstray\n/dev/sda1 2000 1000 1000 50% /\n";

        var table = DfParser.Parse(input);

        Assert.Equal("/dev/sda1", Assert.Single(table.Rows).Source);
        Assert.Equal(["stray"], table.UnparsedLines);
    }

    [Fact]
    public void Parse_WindowsLineEndings_ReadsRows()
    {
        var table = DfParser.Parse(TypedBaseline.Replace("\n", "\r\n", StringComparison.Ordinal));

        Assert.Equal(3, table.Rows.Count);
        Assert.Equal("/", table.Rows[0].MountPoint);
    }

    [Fact]
    public void Parse_LocalizedHeader_ReturnsEveryLineUnparsed()
    {
        var input = """
            Dateisystem    1K-Blöcke   Benutzt Verfügbar Verw% Eingehängt auf
            /dev/sda1       20511312   8012345  11434567   42% /
            """;

        var table = DfParser.Parse(input);

        Assert.False(table.HeaderRecognized);
        Assert.Empty(table.Rows);
        Assert.Equal(2, table.UnparsedLines.Count);
    }

    [Fact]
    public void Parse_HeaderOnly_ReturnsNoRowsAndNoUnparsedLines()
    {
        var table = DfParser.Parse("Filesystem     Type     1024-blocks     Used Available Capacity Mounted on\n");

        Assert.True(table.HeaderRecognized);
        Assert.Empty(table.Rows);
        Assert.Empty(table.UnparsedLines);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("Filesystem")]
    [InlineData("Filesystem Type")]
    [InlineData("Filesystem 99999999999999999999K-blocks Used Available Use% Mounted on\n/dev/sda1 1 1 1 1% /\n")]
    [InlineData("Filesystem 9223372036854775807K-blocks Used Available Use% Mounted on\n/dev/sda1 1 1 1 1% /\n")]
    [InlineData("Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/sda1 99999999999999999999 1 1 1% /\n")]
    [InlineData("Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/sda1 9223372036854775807 1 1 1% /\n")]
    [InlineData("Filesystem Size Used Avail Use% Mounted on\n/dev/sda1 99999999999999E 1 1 1% /\n")]
    [InlineData("Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/sda1 100 50 50 fifty% /\n")]
    [InlineData("Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/sda1 100 50 50 50%\n")]
    [InlineData("Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/sda1 1.5G 50 50 50% /\n")]
    [InlineData("\u0000\u0001\u00ff\ufffd\n\u0002 \u0003\t\\\\\\0\n")]
    [InlineData("Filesystem 1K-blocks\n\\0 \\04 \\777 \\\n")]
    public void Parse_BadInput_ReturnsNoRowsWithoutThrowing(string input)
    {
        var table = DfParser.Parse(input);

        Assert.Empty(table.Rows);
    }
}
