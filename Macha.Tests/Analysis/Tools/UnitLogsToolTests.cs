using Macha.Core.Analysis.Tools;

namespace Macha.Tests.Analysis.Tools;

public sealed class UnitLogsToolTests : IDisposable
{
    private const string DefaultCommand =
        "journalctl --unit=nginx.service --since=-60min --priority=info --lines=100 --output=short-iso --no-pager";

    private readonly ToolTestContext _context = new();
    private readonly UnitLogsTool _tool;

    public UnitLogsToolTests()
    {
        _tool = new UnitLogsTool(_context.Cache);
    }

    public void Dispose() => _context.Dispose();

    [Fact]
    public async Task InvokeAsync_OnlyUnit_RunsJournalctlWithDefaults()
    {
        _context.Shell.WithCommand(DefaultCommand, "2026-12-04T10:00:00+0000 web1 nginx[12]: started\n");

        var output = await _context.InvokeAsync(_tool, """{"unit":"nginx.service"}""");

        Assert.True(output.Succeeded);
        Assert.Equal([DefaultCommand], _context.Shell.CommandsRun);
        Assert.Equal("2026-12-04T10:00:00+0000 web1 nginx[12]: started", output.Text);
    }

    [Fact]
    public async Task InvokeAsync_AllArguments_JoinsEachValueToItsOption()
    {
        var output = await _context.InvokeAsync(_tool, """{"unit":"getty@tty1.service","since_minutes":10080,"priority":"err","max_lines":500}""");

        Assert.Equal(
            "journalctl --unit=getty@tty1.service --since=-10080min --priority=err --lines=500 --output=short-iso --no-pager",
            Assert.Single(_context.Shell.CommandsRun));
        Assert.False(output.Succeeded);
    }

    [Fact]
    public async Task InvokeAsync_NoEntries_SaysSo()
    {
        _context.Shell.WithCommand(DefaultCommand, "");

        var output = await _context.InvokeAsync(_tool, """{"unit":"nginx.service"}""");

        Assert.True(output.Succeeded);
        Assert.StartsWith("No journal lines of nginx.service", output.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"unit":"nginx.service","since_minutes":0}""", "'since_minutes' must be from 1 to 10080")]
    [InlineData("""{"unit":"nginx.service","since_minutes":10081}""", "'since_minutes' must be from 1 to 10080")]
    [InlineData("""{"unit":"nginx.service","since_minutes":-5}""", "'since_minutes' must be from 1 to 10080")]
    [InlineData("""{"unit":"nginx.service","since_minutes":"60"}""", "must be a whole number")]
    [InlineData("""{"unit":"nginx.service","since_minutes":1.5}""", "must be a whole number")]
    [InlineData("""{"unit":"nginx.service","since_minutes":99999999999}""", "must be from 1 to 10080")]
    [InlineData("""{"unit":"nginx.service","max_lines":0}""", "'max_lines' must be from 1 to 500")]
    [InlineData("""{"unit":"nginx.service","max_lines":501}""", "'max_lines' must be from 1 to 500")]
    [InlineData("""{"unit":"nginx.service","priority":"error"}""", "'priority' must be one of emerg")]
    [InlineData("""{"unit":"nginx.service","priority":"-p"}""", "'priority' must be one of emerg")]
    [InlineData("""{"unit":"nginx.service","priority":"info --all"}""", "'priority' must be one of emerg")]
    [InlineData("""{"unit":"nginx.service","priority":6}""", "'priority' must be one of emerg")]
    [InlineData("""{"unit":"--help"}""", "not a valid systemd unit name")]
    [InlineData("""{"unit":"nginx.service","grep":"x"}""", "Unknown argument 'grep'")]
    public async Task InvokeAsync_InvalidArguments_RunsNothingAndSaysWhy(string argumentsJson, string expectedText)
    {
        var output = await _context.InvokeAsync(_tool, argumentsJson);

        Assert.False(output.Succeeded);
        Assert.Contains(expectedText, output.Text, StringComparison.Ordinal);
        Assert.Empty(_context.Shell.CommandsRun);
    }

    [Fact]
    public async Task InvokeAsync_SeveralInvalidArguments_ReportsEach()
    {
        var output = await _context.InvokeAsync(_tool, """{"unit":"x","since_minutes":0,"max_lines":900}""");

        Assert.Contains("'unit'", output.Text, StringComparison.Ordinal);
        Assert.Contains("'since_minutes'", output.Text, StringComparison.Ordinal);
        Assert.Contains("'max_lines'", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_OutputOverBudget_CutsAndCaches()
    {
        _context.Shell.WithCommand(DefaultCommand, ToolTestContext.LongOutput(200));

        var output = await _context.InvokeAsync(_tool, """{"unit":"nginx.service"}""");

        Assert.True(output.Succeeded);
        Assert.True(output.Text.Length <= ToolOutputBudget.MaxCharacters, $"{output.Text.Length} characters");
        Assert.Contains("[… output cut: lines 1 to ", output.Text, StringComparison.Ordinal);
        Assert.NotNull(output.CachedOutputId);
        Assert.Contains($"call fetch_output with id \"{output.CachedOutputId}\"", output.Text, StringComparison.Ordinal);
        Assert.Equal(200, (await _context.Cache.GetInfoAsync(output.CachedOutputId))!.LineCount);
    }

    [Fact]
    public async Task InvokeAsync_OutputOverBudgetWithoutCache_CutsWithMarkerOnly()
    {
        _context.Shell.WithCommand(DefaultCommand, ToolTestContext.LongOutput(200));

        var output = await _context.InvokeAsync(new UnitLogsTool(), """{"unit":"nginx.service"}""");

        Assert.True(output.Text.Length <= ToolOutputBudget.MaxCharacters, $"{output.Text.Length} characters");
        Assert.EndsWith("the rest was not kept.]", output.Text, StringComparison.Ordinal);
        Assert.Null(output.CachedOutputId);
    }

    [Fact]
    public async Task InvokeAsync_JournalctlFails_ReturnsItsError()
    {
        _context.Shell.WithCommand(DefaultCommand, "", exitCode: 1, standardError: "Failed to add match 'x': Invalid argument\n");

        var output = await _context.InvokeAsync(_tool, """{"unit":"nginx.service"}""");

        Assert.False(output.Succeeded);
        Assert.Contains("exited with code 1: Failed to add match", output.Text, StringComparison.Ordinal);
    }
}
