using Macha.Core.Analysis.Tools;
using Macha.Core.Hosts;

namespace Macha.Tests.Analysis.Tools;

public sealed class UnitStatusToolTests : IDisposable
{
    private const string StatusCommand = "systemctl status --no-pager --lines=0 -- nginx.service";
    private const string ShowCommand = "systemctl show --property=" + UnitStatusTool.Properties + " -- nginx.service";

    private readonly ToolTestContext _context = new();
    private readonly UnitStatusTool _tool;

    public UnitStatusToolTests()
    {
        _tool = new UnitStatusTool(_context.Cache);
    }

    public void Dispose() => _context.Dispose();

    [Fact]
    public async Task InvokeAsync_ValidUnit_PassesUnitAfterDoubleDash()
    {
        _context.Shell
            .WithCommand(StatusCommand, "● nginx.service - nginx\n     Active: active (running)\n")
            .WithCommand(ShowCommand, "Id=nginx.service\nActiveState=active\n");

        var output = await _context.InvokeAsync(_tool, """{"unit":"nginx.service"}""");

        Assert.True(output.Succeeded);
        Assert.Equal([StatusCommand, ShowCommand], _context.Shell.CommandsRun);
        Assert.Contains("ActiveState=active", output.Text, StringComparison.Ordinal);
        Assert.Contains("Active: active (running)", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_FailedUnitExitCodeThree_ReturnsItsStatus()
    {
        _context.Shell
            .WithCommand(StatusCommand, "× nginx.service - nginx\n     Active: failed (Result: exit-code)\n", exitCode: 3)
            .WithCommand(ShowCommand, "Id=nginx.service\nActiveState=failed\n");

        var output = await _context.InvokeAsync(_tool, """{"unit":"nginx.service"}""");

        Assert.True(output.Succeeded);
        Assert.Contains("Active: failed (Result: exit-code)", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_RootMount_IsAccepted()
    {
        var output = await _context.InvokeAsync(_tool, """{"unit":"-.mount"}""");

        Assert.Equal("systemctl status --no-pager --lines=0 -- -.mount", _context.Shell.CommandsRun[0]);
        Assert.False(output.Succeeded);
    }

    [Theory]
    [InlineData("""{"unit":"nginx"}""", "nginx.service")]
    [InlineData("""{"unit":"--help"}""", "not a valid systemd unit name")]
    [InlineData("""{"unit":"-p"}""", "not a valid systemd unit name")]
    [InlineData("""{"unit":"--help.service"}""", "no leading '-'")]
    [InlineData("""{"unit":"nginx.service; rm -rf /"}""", "not a valid systemd unit name")]
    [InlineData("""{"unit":"$(id).service"}""", "not a valid systemd unit name")]
    [InlineData("""{"unit":"`id`.service"}""", "not a valid systemd unit name")]
    [InlineData("""{"unit":"a b.service"}""", "not a valid systemd unit name")]
    [InlineData("""{"unit":"../../x.service"}""", "not a valid systemd unit name")]
    [InlineData("""{"unit":"nginx.service\n"}""", "not a valid systemd unit name")]
    [InlineData("""{"unit":""}""", "not a valid systemd unit name")]
    [InlineData("""{"unit":5}""", "must be a string")]
    [InlineData("""{"unit":["nginx.service"]}""", "must be a string")]
    [InlineData("""{}""", "'unit' is missing")]
    [InlineData("""{"unit":null}""", "'unit' is missing")]
    [InlineData("""{"unit":"nginx.service","lines":5}""", "Unknown argument 'lines'")]
    [InlineData("""["nginx.service"]""", "must be a JSON object")]
    public async Task InvokeAsync_InvalidArguments_RunsNothingAndSaysWhy(string argumentsJson, string expectedText)
    {
        var output = await _context.InvokeAsync(_tool, argumentsJson);

        Assert.False(output.Succeeded);
        Assert.Contains(expectedText, output.Text, StringComparison.Ordinal);
        Assert.Empty(_context.Shell.CommandsRun);
    }

    [Fact]
    public async Task InvokeAsync_SystemctlMissing_ReturnsFailureNamingProgram()
    {
        var output = await _context.InvokeAsync(_tool, """{"unit":"nginx.service"}""");

        Assert.False(output.Succeeded);
        Assert.Contains("program not found", output.Text, StringComparison.Ordinal);
        Assert.Contains("test-host", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_StatusTimedOut_ReturnsTimeout()
    {
        _context.Shell.WithCommandResult(
            StatusCommand,
            new CommandResult(CommandStatus.TimedOut, null, "", "", TimeSpan.FromSeconds(10), FailureReason: "killed after 10 s"));

        var output = await _context.InvokeAsync(_tool, """{"unit":"nginx.service"}""");

        Assert.False(output.Succeeded);
        Assert.Contains("timed out after 10 s", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_CallerCancels_ThrowsOperationCanceled()
    {
        _context.Shell.WithHangingCommand(StatusCommand);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        var call = _context.InvokeAsync(_tool, """{"unit":"nginx.service"}""", cancellation.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }

    [Fact]
    public async Task InvokeAsync_EscapeSequencesInOutput_RemovesThem()
    {
        _context.Shell
            .WithCommand(StatusCommand, "\u001B[0;1;31m●\u001B[0m nginx.service\u0007 - nginx\r\n")
            .WithCommand(ShowCommand, "Id=nginx.service\n");

        var output = await _context.InvokeAsync(_tool, """{"unit":"nginx.service"}""");

        Assert.Contains("● nginx.service - nginx\n", output.Text, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001B', output.Text);
    }
}
