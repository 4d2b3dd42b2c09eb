using System.Globalization;
using Macha.Core.Analysis.Tools;
using Macha.Core.Hosts;

namespace Macha.Tests.Analysis.Tools;

public sealed class DiskUsageToolTests : IDisposable
{
    private const string DfCommand = "df -P -k -- /var/log";
    private const string DuCommand = "du -x -k -d 1 -- /var/log";
    private const string DfOutput = "Filesystem     1024-blocks    Used Available Capacity Mounted on\n/dev/sda1        10000000 9000000   1000000      90% /\n";

    private readonly ToolTestContext _context = new();
    private readonly DiskUsageTool _tool;

    public DiskUsageToolTests()
    {
        _tool = new DiskUsageTool(_context.Options, _context.Cache);
    }

    public void Dispose() => _context.Dispose();

    [Fact]
    public async Task InvokeAsync_AllowedPath_PassesPathAfterDoubleDash()
    {
        _context.Shell.WithCommand(DfCommand, DfOutput).WithCommand(DuCommand, "12\t/var/log/apt\n900\t/var/log/journal\n912\t/var/log\n");

        var output = await _context.InvokeAsync(_tool, """{"path":"/var/log"}""");

        Assert.True(output.Succeeded);
        Assert.Equal([DfCommand, DuCommand], _context.Shell.CommandsRun);
        Assert.Contains("3 largest of 3 entries, in KiB:\n912\t/var/log\n900\t/var/log/journal\n12\t/var/log/apt", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_ManyEntries_ListsTwentyLargestFirst()
    {
        var du = string.Join('\n', Enumerable.Range(1, 30).Select(i => string.Create(CultureInfo.InvariantCulture, $"{i * 10}\t/var/log/dir{i}")));
        _context.Shell.WithCommand(DfCommand, DfOutput).WithCommand(DuCommand, du);

        var output = await _context.InvokeAsync(_tool, """{"path":"/var/log"}""");

        Assert.Contains("20 largest of 30 entries, in KiB:\n300\t/var/log/dir30\n290\t/var/log/dir29", output.Text, StringComparison.Ordinal);
        Assert.Contains("110\t/var/log/dir11", output.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("100\t/var/log/dir10", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_TrailingSlash_IsRemoved()
    {
        await _context.InvokeAsync(_tool, """{"path":"/var/log/"}""");

        Assert.Equal(DfCommand, _context.Shell.CommandsRun[0]);
    }

    [Fact]
    public async Task InvokeAsync_DuCannotReadSomeDirectories_ReturnsSizesWithNote()
    {
        _context.Shell
            .WithCommand(DfCommand, DfOutput)
            .WithCommand(DuCommand, "4\t/var/log/private\n40\t/var/log\n", exitCode: 1, standardError: "du: cannot read directory '/var/log/private': Permission denied\n");

        var output = await _context.InvokeAsync(_tool, """{"path":"/var/log"}""");

        Assert.True(output.Succeeded);
        Assert.Contains("40\t/var/log", output.Text, StringComparison.Ordinal);
        Assert.Contains("du could not read 1 paths", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_DuTimesOut_ReturnsPartialSizesWithNote()
    {
        _context.Shell
            .WithCommand(DfCommand, DfOutput)
            .WithCommandResult(DuCommand, new CommandResult(CommandStatus.TimedOut, null, "800\t/var/log/journal\n", "", TimeSpan.FromSeconds(30), FailureReason: "killed after 30 s"));

        var output = await _context.InvokeAsync(_tool, """{"path":"/var/log"}""");

        Assert.Contains("800\t/var/log/journal", output.Text, StringComparison.Ordinal);
        Assert.Contains("timed out after 30 s", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_DfMissing_ReturnsFailure()
    {
        var output = await _context.InvokeAsync(_tool, """{"path":"/var/log"}""");

        Assert.False(output.Succeeded);
        Assert.Contains("df -P -k -- /var/log: program not found", output.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("var/log", "must be absolute")]
    [InlineData("--help", "must be absolute")]
    [InlineData("-h", "must be absolute")]
    [InlineData("/var/../etc", "must not contain '..'")]
    [InlineData("/var/log/..", "must not contain '..'")]
    [InlineData("/var//log", "must not contain '..' or '//'")]
    [InlineData("/var/./log", "'.' components")]
    [InlineData("/var/log\u0000", "control characters")]
    [InlineData("/var/log\n/etc", "control characters")]
    [InlineData("/etc", "not under a directory disk_usage may measure")]
    [InlineData("/", "not under a directory disk_usage may measure")]
    [InlineData("/varnish", "not under a directory disk_usage may measure")]
    [InlineData("/proc/1", "not under a directory disk_usage may measure")]
    [InlineData("/nix/store", "not under a directory disk_usage may measure")]
    [InlineData("/nix", "not under a directory disk_usage may measure")]
    [InlineData("", "1 to 4096 characters")]
    public async Task InvokeAsync_InvalidPath_RunsNothingAndSaysWhy(string path, string expectedText)
    {
        var output = await _context.InvokeAsync(_tool, System.Text.Json.JsonSerializer.Serialize(new { path }));

        Assert.False(output.Succeeded);
        Assert.Contains(expectedText, output.Text, StringComparison.Ordinal);
        Assert.Empty(_context.Shell.CommandsRun);
    }

    [Fact]
    public async Task InvokeAsync_ConfiguredRoots_ReplaceDefaults()
    {
        _context.Options.CurrentValue = new AnalysisToolOptions { DiskUsageRoots = ["/data"] };

        var rejected = await _context.InvokeAsync(_tool, """{"path":"/var/log"}""");
        await _context.InvokeAsync(_tool, """{"path":"/data/db"}""");

        Assert.Contains("use a path under /data.", rejected.Text, StringComparison.Ordinal);
        Assert.Equal("df -P -k -- /data/db", Assert.Single(_context.Shell.CommandsRun));
    }

    [Fact]
    public async Task InvokeAsync_ConfiguredRootContainingStore_RejectsStore()
    {
        _context.Options.CurrentValue = new AnalysisToolOptions { DiskUsageRoots = ["/nix"] };

        var output = await _context.InvokeAsync(_tool, """{"path":"/nix/store/abc-foo"}""");

        Assert.False(output.Succeeded);
        Assert.Empty(_context.Shell.CommandsRun);
    }
}
