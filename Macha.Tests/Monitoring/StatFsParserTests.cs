using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class StatFsParserTests
{
    // stat -f -c "%S %b %a %f %c %d" on an NFS 4.2 share: 4 KiB blocks, 1000 of them, 300 free.
    private const string Baseline = "4096 1000 250 300 5000 4000\n";

    [Fact]
    public void Parse_Baseline_MultipliesBlocksOut()
    {
        var result = StatFsParser.Parse(Baseline);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(1000L * 4096, result.Value.SizeBytes);
        Assert.Equal(700L * 4096, result.Value.UsedBytes);
        Assert.Equal(250L * 4096, result.Value.AvailableBytes);
    }

    [Fact]
    public void Parse_Baseline_ReadsInodes()
    {
        var result = StatFsParser.Parse(Baseline);

        Assert.Equal(5000, result.Value!.InodesTotal);
        Assert.Equal(1000, result.Value.InodesUsed);
    }

    [Fact]
    public void Parse_NoInodes_LeavesInodesNull()
    {
        var result = StatFsParser.Parse("4096 1000 250 300 0 0\n");

        Assert.True(result.Succeeded, result.Error);
        Assert.Null(result.Value.InodesTotal);
        Assert.Null(result.Value.InodesUsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("4096 1000 250 300 5000")]
    [InlineData("4096 1000 250 300 5000 4000 7")]
    [InlineData("4096 1000 250 -300 5000 4000")]
    [InlineData("4096 1000 250 3.5 5000 4000")]
    [InlineData("0 1000 250 300 5000 4000")]
    [InlineData("4096 1000 250 3000 5000 4000")]
    [InlineData("4096 4503599627370496 250 300 5000 4000")]
    [InlineData("\u0000\u0001\u00ff\ufffd")]
    [InlineData("stat: cannot read file system information for '/mnt/nfs': Stale file handle")]
    public void Parse_BadInput_Fails(string input)
    {
        var result = StatFsParser.Parse(input);

        Assert.False(result.Succeeded);
    }
}
