using Macha.Core.Analysis.Tools;
using Macha.Core.Hosts;

namespace Macha.Tests.Analysis.Tools;

public sealed class ConnectivityCheckToolTests : IDisposable
{
    private readonly ToolTestContext _context = new();
    private readonly ConnectivityCheckTool _tool = new();

    public void Dispose() => _context.Dispose();

    [Fact]
    public async Task InvokeAsync_Host_PingsOnceAfterDoubleDash()
    {
        _context.Shell.WithCommand("ping -c 1 -W 2 -- db.internal", "1 packets transmitted, 1 received\n");

        var output = await _context.InvokeAsync(_tool, """{"target":"db.internal"}""");

        Assert.True(output.Succeeded);
        Assert.Equal(["ping -c 1 -W 2 -- db.internal"], _context.Shell.CommandsRun);
        Assert.Equal("From host test-host, db.internal is reachable", output.Text);
    }

    [Fact]
    public async Task InvokeAsync_HostAndPort_PassesBothAsBashParameters()
    {
        var command = "bash -c " + ConnectivityCheckTool.TcpConnectScript + " macha-tcp-check 2001:db8::5 5432";
        _context.Shell.WithCommand(command, "", exitCode: 1, standardError: "macha-tcp-check: connect: Connection refused\n");

        var output = await _context.InvokeAsync(_tool, """{"target":"[2001:db8::5]:5432"}""");

        Assert.Equal([command], _context.Shell.CommandsRun);
        Assert.True(output.Succeeded);
        Assert.Contains("is not reachable: TCP connect failed: connect: Connection refused", output.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("169.254.169.254:80")]
    [InlineData("[fe80::1]:80")]
    [InlineData("fe80::1%eth0")]
    [InlineData("[::ffff:169.254.169.254]:80")]
    public async Task InvokeAsync_LinkLocalTarget_IsRejectedWithoutRunningAnything(string target)
    {
        var output = await _context.InvokeAsync(_tool, $$"""{"target":"{{target}}"}""");

        Assert.False(output.Succeeded);
        Assert.Contains("link-local", output.Text, StringComparison.Ordinal);
        Assert.Empty(_context.Shell.CommandsRun);
    }

    [Fact]
    public async Task InvokeAsync_NoReply_ReportsNotReachable()
    {
        _context.Shell.WithCommand("ping -c 1 -W 2 -- 10.0.0.9", "1 packets transmitted, 0 received, 100% packet loss\n", exitCode: 1);

        var output = await _context.InvokeAsync(_tool, """{"target":"10.0.0.9"}""");

        Assert.StartsWith("From host test-host, 10.0.0.9 is not reachable", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_PingMissing_FailsWithoutBlamingNetwork()
    {
        var output = await _context.InvokeAsync(_tool, """{"target":"db.internal"}""");

        Assert.False(output.Succeeded);
        Assert.Contains("says nothing about the network", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_ConnectTimesOut_ReportsTimeout()
    {
        var command = "bash -c " + ConnectivityCheckTool.TcpConnectScript + " macha-tcp-check db.internal 443";
        _context.Shell.WithCommandResult(command, new CommandResult(CommandStatus.TimedOut, null, "", "", TimeSpan.FromSeconds(10), FailureReason: "killed after 10 s"));

        var output = await _context.InvokeAsync(_tool, """{"target":"db.internal:443"}""");

        Assert.Contains("timed out after 10 s", output.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"target":"-c"}""", "not a valid host name")]
    [InlineData("""{"target":"--help"}""", "not a valid host name")]
    [InlineData("""{"target":"db.internal; id"}""", "not a valid host name")]
    [InlineData("""{"target":"$(id)"}""", "not a valid host name")]
    [InlineData("""{"target":"a b"}""", "not a valid host name")]
    [InlineData("""{"target":"db.internal:0"}""", "invalid port")]
    [InlineData("""{"target":"db.internal:99999"}""", "invalid port")]
    [InlineData("""{"target":"db.internal:-1"}""", "invalid port")]
    [InlineData("""{"target":""}""", "not a valid host name")]
    [InlineData("""{"target":12}""", "must be a string")]
    [InlineData("""{"target":"db","count":3}""", "Unknown argument 'count'")]
    public async Task InvokeAsync_InvalidArguments_RunsNothingAndSaysWhy(string argumentsJson, string expectedText)
    {
        var output = await _context.InvokeAsync(_tool, argumentsJson);

        Assert.False(output.Succeeded);
        Assert.Contains(expectedText, output.Text, StringComparison.Ordinal);
        Assert.Empty(_context.Shell.CommandsRun);
    }
}
