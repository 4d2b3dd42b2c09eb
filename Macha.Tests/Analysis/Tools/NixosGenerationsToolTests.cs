using Macha.Core.Analysis.Tools;

namespace Macha.Tests.Analysis.Tools;

public sealed class NixosGenerationsToolTests : IDisposable
{
    private const string NixEnvCommand = "nix-env --list-generations -p /nix/var/nix/profiles/system";

    private readonly ToolTestContext _context = new();
    private readonly NixosGenerationsTool _tool;

    public NixosGenerationsToolTests()
    {
        _tool = new NixosGenerationsTool(_context.Cache);
    }

    public void Dispose() => _context.Dispose();

    [Fact]
    public async Task InvokeAsync_NixEnvPresent_ListsGenerations()
    {
        _context.Shell.WithCommand(NixEnvCommand, "  41   2026-11-30 09:12:44   \n  42   2026-12-03 18:01:02   (current)\n");

        var output = await _context.InvokeAsync(_tool, "{}");

        Assert.True(output.Succeeded);
        Assert.Equal([NixEnvCommand], _context.Shell.CommandsRun);
        Assert.EndsWith("42   2026-12-03 18:01:02   (current)", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_NixEnvMissing_ListsProfilesDirectory()
    {
        const string ListCommand = "ls -l --time-style=long-iso -- /nix/var/nix/profiles";
        _context.Shell.WithCommand(ListCommand, "lrwxrwxrwx 1 root root 15 2026-12-03 18:01 system -> system-42-link\n");

        var output = await _context.InvokeAsync(_tool, "{}");

        Assert.True(output.Succeeded);
        Assert.Equal([NixEnvCommand, ListCommand], _context.Shell.CommandsRun);
    }

    [Fact]
    public async Task InvokeAsync_NotNixos_ReturnsFailure()
    {
        var output = await _context.InvokeAsync(_tool, "{}");

        Assert.False(output.Succeeded);
        Assert.Contains("program not found", output.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"profile":"/nix/var/nix/profiles/per-user/root"}""", "Unknown argument 'profile' for nixos_generations; it takes no arguments")]
    [InlineData("""[1]""", "must be a JSON object")]
    public async Task InvokeAsync_InvalidArguments_RunsNothingAndSaysWhy(string argumentsJson, string expectedText)
    {
        var output = await _context.InvokeAsync(_tool, argumentsJson);

        Assert.False(output.Succeeded);
        Assert.Contains(expectedText, output.Text, StringComparison.Ordinal);
        Assert.Empty(_context.Shell.CommandsRun);
    }
}
