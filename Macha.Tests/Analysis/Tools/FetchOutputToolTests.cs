using Macha.Core.Analysis.Tools;

namespace Macha.Tests.Analysis.Tools;

public sealed class FetchOutputToolTests : IDisposable
{
    private const string LogsCommand =
        "journalctl --unit=nginx.service --since=-60min --priority=info --lines=100 --output=short-iso --no-pager";

    private readonly ToolTestContext _context = new();
    private readonly FetchOutputTool _tool;

    public FetchOutputToolTests()
    {
        _tool = new FetchOutputTool(_context.Cache);
    }

    public void Dispose() => _context.Dispose();

    [Fact]
    public async Task InvokeAsync_LineFromCutMarker_ContinuesAfterCut()
    {
        var (id, nextLine) = await CutOutputAsync(200);

        var output = await _context.InvokeAsync(_tool, $$"""{"id":"{{id}}","first_line":{{nextLine}},"line_count":3}""");

        Assert.True(output.Succeeded);
        Assert.StartsWith($"Lines {nextLine} to {nextLine + 2} of 200 of cached output {id}; call again with first_line {nextLine + 3} for more:", output.Text, StringComparison.Ordinal);
        Assert.Contains($"\nline {nextLine:0000} ", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_ManyLines_StaysWithinBudget()
    {
        var (id, _) = await CutOutputAsync(200);

        var output = await _context.InvokeAsync(_tool, $$"""{"id":"{{id}}","line_count":500}""");

        Assert.True(output.Text.Length <= ToolOutputBudget.MaxCharacters, $"{output.Text.Length} characters");
    }

    [Fact]
    public async Task InvokeAsync_LastLines_SaysEnd()
    {
        var (id, _) = await CutOutputAsync(200);

        var output = await _context.InvokeAsync(_tool, $$"""{"id":"{{id}}","first_line":199}""");

        Assert.StartsWith("Lines 199 to 200 of 200", output.Text, StringComparison.Ordinal);
        Assert.Contains("this is the end", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_PastEnd_ReturnsFailure()
    {
        var (id, _) = await CutOutputAsync(200);

        var output = await _context.InvokeAsync(_tool, $$"""{"id":"{{id}}","first_line":201}""");

        Assert.False(output.Succeeded);
        Assert.Contains("past its end", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_UnknownId_ReturnsFailure()
    {
        var output = await _context.InvokeAsync(_tool, """{"id":"0123456789abcdef0123456789abcdef"}""");

        Assert.False(output.Succeeded);
        Assert.Contains("no cached output with id", output.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"id":"../../etc/passwd"}""", "32 lowercase hexadecimal digits")]
    [InlineData("""{"id":"0123456789ABCDEF0123456789ABCDEF"}""", "32 lowercase hexadecimal digits")]
    [InlineData("""{"id":"0123456789abcdef0123456789abcdef","first_line":0}""", "'first_line' must be from 1")]
    [InlineData("""{"id":"0123456789abcdef0123456789abcdef","line_count":501}""", "'line_count' must be from 1 to 500")]
    [InlineData("""{"id":"0123456789abcdef0123456789abcdef","path":"/etc"}""", "Unknown argument 'path'")]
    [InlineData("""{}""", "'id' is missing")]
    public async Task InvokeAsync_InvalidArguments_SaysWhy(string argumentsJson, string expectedText)
    {
        var output = await _context.InvokeAsync(_tool, argumentsJson);

        Assert.False(output.Succeeded);
        Assert.Contains(expectedText, output.Text, StringComparison.Ordinal);
    }

    /// <summary>Runs unit_logs on a long output; returns the cache id and the line the marker names as the next one.</summary>
    private async Task<(string Id, int NextLine)> CutOutputAsync(int lineCount)
    {
        _context.Shell.WithCommand(LogsCommand, ToolTestContext.LongOutput(lineCount));
        var cut = await new UnitLogsTool(_context.Cache).InvokeAsync(
            new ToolInvocation(_context.Shell, ToolTestContext.Arguments("""{"unit":"nginx.service"}""")));
        var marker = cut.Text[(cut.Text.LastIndexOf("first_line ", StringComparison.Ordinal) + "first_line ".Length)..];
        return (cut.CachedOutputId!, int.Parse(marker[..marker.IndexOf(' ', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture));
    }
}
