using System.Text.Json;
using Macha.Web.Security;

namespace Macha.Tests.Cli;

/// <summary>The offline verbs that make lines for the users and API tokens files.</summary>
public sealed class CredentialVerbsTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task HashPassword_PasswordOnStdin_PrintsAParsableLine()
    {
        _cli.StandardInput = "s3cret pass\n";

        var result = await _cli.RunAsync("users", "hash-password", "alice");

        Assert.Equal(0, result.ExitCode);
        var line = result.Output.Trim();
        Assert.StartsWith("alice:", line, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret pass", result.Output + result.Error, StringComparison.Ordinal);
        var user = UsersFile.Parse(line, "users").Find("alice");
        Assert.NotNull(user);
        Assert.True(PasswordHashing.Verify(user.PasswordHash, "s3cret pass"));
    }

    [Fact]
    public async Task HashPassword_EmptyStdin_ExitsWithUsageError()
    {
        _cli.StandardInput = string.Empty;

        var result = await _cli.RunAsync("users", "hash-password", "alice");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("the password is missing", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HashPassword_InvalidName_ExitsWithUsageError()
    {
        _cli.StandardInput = "pw\n";

        var result = await _cli.RunAsync("users", "hash-password", "al ice");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Invalid user name", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokensCreate_BothScopes_PrintsTokenAndMatchingLine()
    {
        var result = await _cli.RunAsync("tokens", "create", "--name", "deploy", "--scope", "read", "--scope", "operate");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var token = lines[1];
        var fileLine = lines[3];
        Assert.StartsWith("macha_", token, StringComparison.Ordinal);
        Assert.StartsWith("deploy:read,operate:", fileLine, StringComparison.Ordinal);
        Assert.Equal("deploy", TokensFile.Parse(fileLine, "tokens").Find(token)?.Name);
    }

    [Fact]
    public async Task TokensCreate_Json_PrintsTokenAndLine()
    {
        var result = await _cli.RunAsync("tokens", "create", "--name", "monitor", "--scope", "read", "--json");

        Assert.Equal(0, result.ExitCode);
        var body = JsonDocument.Parse(result.Output).RootElement;
        var token = body.GetProperty("token").GetString()!;
        var fileLine = body.GetProperty("fileLine").GetString()!;
        Assert.Equal("monitor", TokensFile.Parse(fileLine, "tokens").Find(token)?.Name);
    }

    [Theory]
    [InlineData("--name", "deploy", "--scope", "admin")]
    [InlineData("--name", "macha", "--scope", "read")]
    public async Task TokensCreate_InvalidInput_ExitsWithUsageError(params string[] options)
    {
        var result = await _cli.RunAsync(["tokens", "create", .. options]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.Output);
    }

    [Fact]
    public async Task TokensCreate_MissingScope_ExitsWithUsageError()
    {
        var result = await _cli.RunAsync("tokens", "create", "--name", "deploy");

        Assert.Equal(2, result.ExitCode);
    }
}
