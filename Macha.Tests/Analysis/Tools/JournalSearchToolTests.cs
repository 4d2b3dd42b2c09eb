using Macha.Core.Analysis.Tools;

namespace Macha.Tests.Analysis.Tools;

public sealed class JournalSearchToolTests : IDisposable
{
    private const string DefaultCommand =
        "journalctl --since=-60min --output=json --output-fields=" + JournalSearchTool.OutputFields + " --lines=10000 --no-pager";

    private readonly ToolTestContext _context = new();
    private readonly JournalSearchTool _tool;

    public JournalSearchToolTests()
    {
        _tool = new JournalSearchTool(_context.Cache);
    }

    public void Dispose() => _context.Dispose();

    [Fact]
    public async Task InvokeAsync_Pattern_RunsJournalctlWithoutThePattern()
    {
        _context.Shell.WithCommand(DefaultCommand, "");

        var output = await _context.InvokeAsync(_tool, """{"pattern":"--grep=.* -p"}""");

        Assert.True(output.Succeeded);
        Assert.Equal([DefaultCommand], _context.Shell.CommandsRun);
        Assert.StartsWith("0 of 0 entries", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_MatchingEntries_ReturnsOnlyThemIgnoringCase()
    {
        _context.Shell.WithCommand(DefaultCommand, Journal(
            Entry(1, "nginx.service", 3, "connect() failed (111: Connection refused)"),
            Entry(2, "cron.service", 6, "session opened"),
            Entry(3, "nginx.service", 3, "upstream CONNECTION REFUSED again")));

        var output = await _context.InvokeAsync(_tool, """{"pattern":"connection refused"}""");

        Assert.Equal(
            "2 of 3 entries from the last 60 minutes contain 'connection refused'.\n"
            + "2026-12-04T10:00:01Z nginx.service err: connect() failed (111: Connection refused)\n"
            + "2026-12-04T10:00:03Z nginx.service err: upstream CONNECTION REFUSED again",
            output.Text);
    }

    [Fact]
    public async Task InvokeAsync_PatternWithRegexCharacters_MatchesLiterally()
    {
        _context.Shell.WithCommand(DefaultCommand, Journal(
            Entry(1, "app.service", 4, "value a.c"),
            Entry(2, "app.service", 4, "value abc")));

        var output = await _context.InvokeAsync(_tool, """{"pattern":"a.c"}""");

        Assert.Contains("value a.c", output.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("value abc", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_MoreMatchesThanMaxLines_KeepsNewest()
    {
        _context.Shell.WithCommand(
            "journalctl --since=-5min --output=json --output-fields=" + JournalSearchTool.OutputFields + " --lines=10000 --no-pager",
            Journal(Entry(1, "a.service", 6, "hit one"), Entry(2, "a.service", 6, "hit two"), Entry(3, "a.service", 6, "hit three")));

        var output = await _context.InvokeAsync(_tool, """{"pattern":"hit","since_minutes":5,"max_lines":2}""");

        Assert.StartsWith("3 of 3 entries from the last 5 minutes contain 'hit'; the newest 2 follow.", output.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("hit one", output.Text, StringComparison.Ordinal);
        Assert.EndsWith("hit three", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_EscapeSequenceInMessage_RemovesIt()
    {
        _context.Shell.WithCommand(DefaultCommand, Journal(Entry(1, "a.service", 6, "bad \\u001b[31mred\\u001b[0m text")));

        var output = await _context.InvokeAsync(_tool, """{"pattern":"red"}""");

        Assert.Contains("bad red text", output.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"pattern":""}""", "1 to 200 characters")]
    [InlineData("""{"pattern":"a\nb"}""", "control characters")]
    [InlineData("""{"pattern":"a\tb"}""", "control characters")]
    [InlineData("""{"pattern":"a\u0000b"}""", "control characters")]
    [InlineData("""{"pattern":"\u001b[31m"}""", "control characters")]
    [InlineData("""{"pattern":5}""", "must be a string")]
    [InlineData("""{}""", "'pattern' is missing")]
    [InlineData("""{"pattern":"x","since_minutes":0}""", "'since_minutes' must be from 1 to 10080")]
    [InlineData("""{"pattern":"x","max_lines":501}""", "'max_lines' must be from 1 to 500")]
    [InlineData("""{"pattern":"x","regex":true}""", "Unknown argument 'regex'")]
    public async Task InvokeAsync_InvalidArguments_RunsNothingAndSaysWhy(string argumentsJson, string expectedText)
    {
        var output = await _context.InvokeAsync(_tool, argumentsJson);

        Assert.False(output.Succeeded);
        Assert.Contains(expectedText, output.Text, StringComparison.Ordinal);
        Assert.Empty(_context.Shell.CommandsRun);
    }

    [Fact]
    public async Task InvokeAsync_PatternOfMaxLengthPlusOne_IsRejected()
    {
        var output = await _context.InvokeAsync(_tool, $$"""{"pattern":"{{new string('a', 201)}}"}""");

        Assert.Contains("got 201", output.Text, StringComparison.Ordinal);
    }

    private static string Journal(params string[] entries) => string.Join('\n', entries) + "\n";

    private static string Entry(int second, string unit, int priority, string message) =>
        $$"""{"__CURSOR":"s=1;i={{second}}","__REALTIME_TIMESTAMP":"{{(1796378400L + second) * 1_000_000}}","PRIORITY":"{{priority}}","_SYSTEMD_UNIT":"{{unit}}","MESSAGE":"{{message}}"}""";
}
