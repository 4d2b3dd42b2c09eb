using Macha.Tests.Security;
using Macha.Web.Cli;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Cli;

/// <summary>The CLI against the whole app with an API tokens file, on a loopback socket: exit code 4 for 401 and 403.</summary>
public sealed class CliAuthorizationTests : IDisposable
{
    private readonly SecuredWebFactory _server = new(new Dictionary<string, string?> { ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0" });
    private readonly CliRunner _cli;

    public CliAuthorizationTests()
    {
        _server.UseKestrel();
        _server.StartServer();
        var url = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _cli = new CliRunner(url);
    }

    public void Dispose()
    {
        _cli.Dispose();
        _server.Dispose();
    }

    [Fact]
    public async Task Status_NoToken_Exits4()
    {
        var result = await _cli.RunAsync("status");

        Assert.Equal(ExitCodes.Unauthorized, result.ExitCode);
        Assert.Contains("401", result.Error, StringComparison.Ordinal);
        Assert.Contains("MACHA_TOKEN_FILE", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pause_ReadToken_Exits4WithForbidden()
    {
        _cli.Variables["MACHA_TOKEN_FILE"] = await WriteTokenFileAsync(_server.ReadToken.Token);

        var status = await _cli.RunAsync("status");
        var pause = await _cli.RunAsync("pause");

        Assert.Equal(ExitCodes.Success, status.ExitCode);
        Assert.Equal(ExitCodes.Unauthorized, pause.ExitCode);
        Assert.Contains("403", pause.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PauseResume_OperateToken_Succeed()
    {
        _cli.Variables["MACHA_TOKEN"] = _server.OperateToken.Token;

        var pause = await _cli.RunAsync("pause", "--reason", "token test");
        var resume = await _cli.RunAsync("resume");

        Assert.Equal(ExitCodes.Success, pause.ExitCode);
        Assert.Contains("paused by", pause.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Success, resume.ExitCode);
    }

    [Fact]
    public async Task Status_WrongToken_Exits4AndNeverPrintsIt()
    {
        _cli.Variables["MACHA_TOKEN"] = "not-a-valid-token-0123456789";

        var result = await _cli.RunAsync("status");

        Assert.Equal(ExitCodes.Unauthorized, result.ExitCode);
        Assert.DoesNotContain("not-a-valid-token", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-valid-token", result.Output, StringComparison.Ordinal);
    }

    private async Task<string> WriteTokenFileAsync(string token)
    {
        var path = Path.Combine(_cli.Home, "token");
        await File.WriteAllTextAsync(path, token + "\n");
        return path;
    }
}
