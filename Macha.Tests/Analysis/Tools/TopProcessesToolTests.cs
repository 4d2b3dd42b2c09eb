using Macha.Core.Analysis.Tools;

namespace Macha.Tests.Analysis.Tools;

public sealed class TopProcessesToolTests : IDisposable
{
    private const string PsCommand = "ps -e -o pid=,user:32=,pcpu=,rss=,stat=,comm=";
    private const string PsOutput =
        "    1 root      0.1  12000 Ss   systemd\n"
        + "  812 postgres 45.0 204800 R    postgres\n"
        + "  900 alice     2.0 1048576 Sl   Web Content\n";

    private readonly ToolTestContext _context = new();
    private readonly TopProcessesTool _tool = new();

    public void Dispose() => _context.Dispose();

    [Fact]
    public async Task InvokeAsync_Defaults_RunsFixedPsAndSortsByCpu()
    {
        _context.Shell.WithCommand(PsCommand, PsOutput);

        var output = await _context.InvokeAsync(_tool, "{}");

        Assert.True(output.Succeeded);
        Assert.Equal([PsCommand], _context.Shell.CommandsRun);
        Assert.Contains("3 of 3 processes by cpu:\nPID\tUSER\t%CPU\tRSS_MiB\tSTATE\tCOMMAND\n812\tpostgres\t45.0", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_ByMemoryCountOne_ListsLargestOnly()
    {
        _context.Shell.WithCommand(PsCommand, PsOutput);

        var output = await _context.InvokeAsync(_tool, """{"by":"memory","count":1}""");

        Assert.EndsWith("900\talice\t2.0\t1024.0\tSl\tWeb Content", output.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("postgres", output.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"by":"io"}""", "'by' must be one of cpu, memory")]
    [InlineData("""{"by":"-o"}""", "'by' must be one of cpu, memory")]
    [InlineData("""{"count":0}""", "'count' must be from 1 to 20")]
    [InlineData("""{"count":21}""", "'count' must be from 1 to 20")]
    [InlineData("""{"count":"5"}""", "'count' must be a whole number")]
    [InlineData("""{"sort":"-pcpu"}""", "Unknown argument 'sort'")]
    public async Task InvokeAsync_InvalidArguments_RunsNothingAndSaysWhy(string argumentsJson, string expectedText)
    {
        var output = await _context.InvokeAsync(_tool, argumentsJson);

        Assert.False(output.Succeeded);
        Assert.Contains(expectedText, output.Text, StringComparison.Ordinal);
        Assert.Empty(_context.Shell.CommandsRun);
    }

    [Fact]
    public async Task InvokeAsync_UnreadableOutput_ReturnsFailure()
    {
        _context.Shell.WithCommand(PsCommand, "error: unsupported option\n");

        var output = await _context.InvokeAsync(_tool, "{}");

        Assert.False(output.Succeeded);
    }
}
