using Macha.Web.Cli;

namespace Macha.Tests.Cli;

/// <summary>
/// Verbs whose endpoints other areas own, and the token handling, against <see cref="ContractStubServer"/>
/// on a loopback socket.
/// </summary>
public sealed class CliContractTests : IAsyncLifetime, IDisposable
{
    private readonly CliRunner _cli = new();
    private ContractStubServer _stub = null!;

    public async Task InitializeAsync()
    {
        _stub = await ContractStubServer.StartAsync();
        _cli.Variables["MACHA_URL"] = _stub.Url;
    }

    public async Task DisposeAsync() => await _stub.DisposeAsync();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Token_FromTokenFileVariable_IsSentAsBearer()
    {
        _cli.Variables["MACHA_TOKEN_FILE"] = await WriteTokenFileAsync(ContractStubServer.ReadToken + "\n");

        var result = await _cli.RunAsync("knowledge", "search", "disk full");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Equal($"Bearer {ContractStubServer.ReadToken}", Assert.Single(_stub.AuthorizationHeaders));
    }

    [Fact]
    public async Task Token_FromConfigFile_IsSentWithTheConfiguredUrl()
    {
        _cli.Variables.Remove("MACHA_URL");
        var tokenFile = await WriteTokenFileAsync(ContractStubServer.ReadToken);
        var configDirectory = Path.Combine(_cli.Home, ".config", "macha");
        Directory.CreateDirectory(configDirectory);
        await File.WriteAllTextAsync(Path.Combine(configDirectory, "cli.json"), $$"""{ "url": "{{_stub.Url}}", "tokenFile": "{{tokenFile}}" }""");

        var result = await _cli.RunAsync("knowledge", "search", "disk");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Equal($"Bearer {ContractStubServer.ReadToken}", Assert.Single(_stub.AuthorizationHeaders));
    }

    [Fact]
    public async Task Token_Missing_Exits4AndSaysHowToSetIt()
    {
        var result = await _cli.RunAsync("knowledge", "search", "disk");

        Assert.Equal(ExitCodes.Unauthorized, result.ExitCode);
        Assert.Contains("401", result.Error, StringComparison.Ordinal);
        Assert.Contains("MACHA_TOKEN_FILE", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_ReadScopeOnAChange_Exits4()
    {
        _cli.Variables["MACHA_TOKEN"] = ContractStubServer.ReadToken;

        var result = await _cli.RunAsync("knowledge", "add", "--title", "Disk full", "--text", "Vacuum the journal.");

        Assert.Equal(ExitCodes.Unauthorized, result.ExitCode);
        Assert.Contains("403", result.Error, StringComparison.Ordinal);
        Assert.Contains("operate", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_UnreadableFile_Exits1NamingTheFile()
    {
        _cli.Variables["MACHA_TOKEN_FILE"] = Path.Combine(_cli.Home, "missing-token");

        var result = await _cli.RunAsync("status");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("missing-token (from MACHA_TOKEN_FILE) cannot be read", result.Error, StringComparison.Ordinal);
        Assert.Empty(_stub.AuthorizationHeaders);
    }

    [Fact]
    public async Task Url_Invalid_Exits2()
    {
        _cli.Variables["MACHA_URL"] = "ftp://example.invalid";

        var result = await _cli.RunAsync("status");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("not an http or https URL", result.Error, StringComparison.Ordinal);
        Assert.Empty(_stub.AuthorizationHeaders);
    }

    [Fact]
    public async Task KnowledgeSearch_Hits_PrintsATable()
    {
        _cli.Variables["MACHA_TOKEN"] = ContractStubServer.ReadToken;

        var result = await _cli.RunAsync("knowledge", "search", "disk full", "--collection", "runbooks");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Matches("(?m)^SIMILARITY +COLLECTION +ID +TITLE +TEXT$", result.Output);
        Assert.Matches("(?m)^0.87 +runbooks +note-1 +About disk full +Run journalctl", result.Output);
    }

    [Fact]
    public async Task KnowledgeAdd_TextFromFile_SendsTitleTextAndTags()
    {
        _cli.Variables["MACHA_TOKEN"] = ContractStubServer.OperateToken;
        var file = Path.Combine(_cli.Home, "note.txt");
        await File.WriteAllTextAsync(file, "Vacuum the journal first.");

        var result = await _cli.RunAsync("knowledge", "add", "--title", "Disk full", "--file", file, "--tag", "disk", "--tag", "journal");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Equal("Added note note-2.", result.Output.Trim());
        var body = Assert.Single(_stub.Bodies);
        Assert.Equal("""{"title":"Disk full","text":"Vacuum the journal first.","tags":["disk","journal"]}""", body);
    }

    [Fact]
    public async Task ApproveDiscuss_NoMessage_PrintsTheDiscussion()
    {
        _cli.Variables["MACHA_TOKEN"] = ContractStubServer.ReadToken;

        var result = await _cli.RunAsync("approve", "discuss", Guid.NewGuid().ToString());

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("alice (User):\nWhy restart nginx?", result.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("macha (Assistant):\nIt failed after a config change.", result.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("[2026-12-04 10:00:05 UTC] macha", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApproveDiscuss_Json_KeepsIsoTimes()
    {
        _cli.Variables["MACHA_TOKEN"] = ContractStubServer.ReadToken;

        var result = await _cli.RunAsync("approve", "discuss", Guid.NewGuid().ToString(), "--json");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("\"at\": \"2026-12-04T10:00:05+00:00\"", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("UTC", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApproveDiscuss_Message_PostsItAndPrintsTheReply()
    {
        _cli.Variables["MACHA_TOKEN"] = ContractStubServer.OperateToken;

        var result = await _cli.RunAsync("approve", "discuss", Guid.NewGuid().ToString(), "--message", "Is it safe?");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("Reply to: Is it safe?", result.Output, StringComparison.Ordinal);
        Assert.Equal("""{"message":"Is it safe?"}""", Assert.Single(_stub.Bodies));
    }

    private async Task<string> WriteTokenFileAsync(string token)
    {
        var path = Path.Combine(_cli.Home, "token");
        await File.WriteAllTextAsync(path, token);
        return path;
    }
}
