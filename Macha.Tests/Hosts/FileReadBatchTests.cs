using Macha.Core.Hosts;

namespace Macha.Tests.Hosts;

public sealed class FileReadBatchTests
{
    private const string Boundary = "macha-0123456789abcdef";

    private static readonly FileReadRequest[] TwoFiles = [new("/proc/loadavg", 4096), new("/etc/absent", 4096)];

    [Fact]
    public void Parse_ReadAndFailedFile_SplitsAtBoundaries()
    {
        var output = $"{Boundary}\n0.10 0.20 0.30 1/100 42\n\n{Boundary} 0\n"
            + $"{Boundary}\n\n{Boundary} 1\nhead: cannot open '/etc/absent' for reading: No such file or directory\n";

        var results = FileReadBatch.Parse(output, Boundary, TwoFiles);

        Assert.True(results[0].Exists);
        Assert.Equal("0.10 0.20 0.30 1/100 42\n", results[0].Content);
        Assert.False(results[1].Exists);
        Assert.Equal("head: cannot open '/etc/absent' for reading: No such file or directory", results[1].Error);
    }

    [Fact]
    public void Parse_LoginShellBanner_SkippedBeforeFirstSection()
    {
        var output = $"welcome to this host\n{Boundary}\nfirst\n{Boundary} 0\n{Boundary}\nsecond\n{Boundary} 0\n";

        var results = FileReadBatch.Parse(output, Boundary, TwoFiles);

        Assert.Equal("first", results[0].Content);
        Assert.Equal("second", results[1].Content);
    }

    [Fact]
    public void Parse_NoNewlineOrEmpty_KeepsExactly()
    {
        var output = $"{Boundary}\nno newline\n{Boundary} 0\n{Boundary}\n\n{Boundary} 0\n";

        var results = FileReadBatch.Parse(output, Boundary, TwoFiles);

        Assert.Equal("no newline", results[0].Content);
        Assert.True(results[1].Exists);
        Assert.Equal("", results[1].Content);
    }

    [Fact]
    public void Parse_ContentLooksLikeAnotherBoundary_IsContent()
    {
        // Only the batch's own random boundary ends a section.
        const string Content = "macha-ffffffffffffffff\n\nmacha-ffffffffffffffff 0\n";
        var output = $"{Boundary}\n{Content}\n{Boundary} 0\n{Boundary}\nx\n{Boundary} 0\n";

        var results = FileReadBatch.Parse(output, Boundary, TwoFiles);

        Assert.Equal(Content, results[0].Content);
        Assert.Equal("x", results[1].Content);
    }

    [Theory]
    [InlineData("")]
    [InlineData("unrelated text")]
    [InlineData(Boundary + "\npartial content with no end")]
    [InlineData(Boundary + "\nx\n" + Boundary + " notanumber\n")]
    public void Parse_OutputCutShort_ReportsEachFileUnread(string output)
    {
        var results = FileReadBatch.Parse(output, Boundary, TwoFiles);

        Assert.All(results, result => Assert.False(result.Exists));
        Assert.Contains("/proc/loadavg", results[0].Error, StringComparison.Ordinal);
        Assert.Contains("/etc/absent", results[1].Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SecondSectionMissing_KeepsTheFirst()
    {
        var output = $"{Boundary}\nfirst\n{Boundary} 0\n";

        var results = FileReadBatch.Parse(output, Boundary, TwoFiles);

        Assert.Equal("first", results[0].Content);
        Assert.False(results[1].Exists);
        Assert.Contains("cut short", results[1].Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FailureWithoutMessage_NamesTheExitCode()
    {
        var output = $"{Boundary}\n\n{Boundary} 2\n{Boundary}\n\n{Boundary} 0\n";

        var results = FileReadBatch.Parse(output, Boundary, TwoFiles);

        Assert.False(results[0].Exists);
        Assert.Equal("head exited with code 2", results[0].Error);
        Assert.True(results[1].Exists);
    }

    [Fact]
    public void BuildRequest_PassesCapsAndPathsAsWords()
    {
        var request = FileReadBatch.BuildRequest(TwoFiles, Boundary, TimeSpan.FromSeconds(5));

        Assert.Equal("sh", request.Program);
        Assert.Equal([Boundary, "4096", "/proc/loadavg", "4096", "/etc/absent"], request.Arguments.Skip(3));
        Assert.Equal(TimeSpan.FromSeconds(5), request.Timeout);
        Assert.Contains("2 files", request.DisplayText, StringComparison.Ordinal);
        Assert.True(request.MaxOutputBytes >= 2 * 4096);
    }

    [Fact]
    public void BuildRequest_EmptyPath_Throws()
    {
        Assert.Throws<ArgumentException>(() => FileReadBatch.BuildRequest([new("", 10)], Boundary, TimeSpan.FromSeconds(5)));
    }
}
