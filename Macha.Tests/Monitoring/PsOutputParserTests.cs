using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class PsOutputParserTests
{
    // ps -eo pid=,user:32=,pcpu=,rss=,stat=,comm= --sort=-pcpu on a Debian 12 host (procps-ng 4.0.2).
    private const string Baseline = """
         4613 root                             45.5 57192 S<l  dotnet
         4660 postgres                         26.1 193116 Ss  postgres
          812 www-data                          3.2 81608 S    Web Content
          901 root                              0.0     0 D    nfsiod
         1203 1001                              0.0  1400 Z    sh
        """;

    [Fact]
    public void Parse_Baseline_ReadsEveryRow()
    {
        var table = PsOutputParser.Parse(Baseline);

        Assert.Equal(5, table.Rows.Count);
        Assert.Empty(table.UnparsedLines);
    }

    [Fact]
    public void Parse_Baseline_ReadsColumns()
    {
        var row = PsOutputParser.Parse(Baseline).Rows[1];

        Assert.Equal(4660, row.ProcessId);
        Assert.Equal("postgres", row.User);
        Assert.Equal(26.1, row.CpuPercent);
        Assert.Equal(193116L * 1024, row.ResidentBytes);
        Assert.Equal("Ss", row.State);
        Assert.Equal("postgres", row.Name);
    }

    [Fact]
    public void Parse_NameWithSpace_KeepsItWhole()
    {
        var row = PsOutputParser.Parse(Baseline).Rows[2];

        Assert.Equal("Web Content", row.Name);
    }

    [Fact]
    public void Parse_NumericUser_KeepsUid()
    {
        var row = PsOutputParser.Parse(Baseline).Rows[4];

        Assert.Equal("1001", row.User);
        Assert.Equal("Z", row.State);
    }

    [Fact]
    public void Parse_ControlCharactersInName_ReplacesThem()
    {
        var input = " 77 root 1.0 100 R    evil\u001b[31m\u202Etxt.exe\n";

        var row = Assert.Single(PsOutputParser.Parse(input).Rows);

        Assert.Equal("evil?[31m?txt.exe", row.Name);
    }

    [Fact]
    public void Parse_LongName_CutsIt()
    {
        var input = " 77 root 1.0 100 R    " + new string('x', 500) + "\n";

        var row = Assert.Single(PsOutputParser.Parse(input).Rows);

        Assert.Equal(PsOutputParser.MaxNameLength, row.Name.Length);
        Assert.EndsWith("…", row.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TruncatedLastLine_KeepsEarlierRows()
    {
        var input = Baseline + "\n 1300 root  0.0";

        var table = PsOutputParser.Parse(input);

        Assert.Equal(5, table.Rows.Count);
        Assert.Equal([" 1300 root  0.0"], table.UnparsedLines);
    }

    [Theory]
    [InlineData("  PID USER %CPU RSS STAT COMMAND")]
    [InlineData("abc root 1.0 100 S x")]
    [InlineData("-5 root 1.0 100 S x")]
    [InlineData("5 root 1,0 100 S x")]
    [InlineData("5 root 1.0 -100 S x")]
    [InlineData("5 root 1.0 99999999999999999 S x")]
    [InlineData("5 root 1.0 100 1 x")]
    [InlineData("\u0000\u0001\u00ff\ufffd")]
    [InlineData("ps: invalid option -- 'e'")]
    public void Parse_BadLine_ListsItAsUnparsed(string line)
    {
        var table = PsOutputParser.Parse(line + "\n");

        Assert.Empty(table.Rows);
        Assert.Equal([line], table.UnparsedLines);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\r\n  \n")]
    public void Parse_Empty_ReturnsNothing(string input)
    {
        var table = PsOutputParser.Parse(input);

        Assert.Empty(table.Rows);
        Assert.Empty(table.UnparsedLines);
    }
}
