using System.Diagnostics;
using Macha.Core.Analysis;
using Macha.Core.Knowledge;
using Macha.Core.Knowledge.ConfigRepository;
using Macha.Tests.Fakes;

namespace Macha.Tests.Knowledge;

/// <summary>Indexes a git repository that the test makes: a bare repository served by a file:// address.</summary>
[Collection(ChromaTestCollection.Name)]
public sealed class ConfigRepositoryIndexerTests : IDisposable
{
    private readonly ChromaServerFixture _chroma;
    private readonly TestDataDirectory _git = new();

    public ConfigRepositoryIndexerTests(ChromaServerFixture chroma)
    {
        _chroma = chroma;
    }

    public void Dispose() => _git.Dispose();

    [Theory]
    [InlineData("hosts/web1/configuration.nix", "web1")]
    [InlineData("hosts/db1.nix", "db1")]
    [InlineData("machines/build-2/hardware.nix", "build-2")]
    [InlineData("modules/common.nix", "shared")]
    [InlineData("flake.nix", "shared")]
    public void HostFor_Path_NamesTheHost(string path, string host)
    {
        Assert.Equal(host, ConfigRepositoryIndexer.HostFor(path));
    }

    [Fact]
    public async Task SyncAsync_ChangedAndDeletedFiles_FollowsBranch()
    {
        var (bare, work) = await CreateRepositoryAsync();
        await WriteAndCommitAsync(work, "first", new Dictionary<string, string>
        {
            ["hosts/web1/configuration.nix"] = "{ services.nginx.enable = true; services.nginx.virtualHosts.\"example\" = { }; }",
            ["hosts/db1.nix"] = "{ services.postgresql.enable = true; }",
            ["modules/common.nix"] = "{ services.openssh.enable = true; }",
            ["README.md"] = "not indexed",
        });
        await using var bed = await KnowledgeTestBed.StartAsync(_chroma.Server.Uri, settings: new Dictionary<string, string?>
        {
            ["Macha:Knowledge:ConfigRepository:Url"] = new Uri(bare).AbsoluteUri,
            ["Macha:Knowledge:ConfigRepository:Branch"] = "main",
        });
        var indexer = bed.Get<ConfigRepositoryIndexer>();

        var cloned = await indexer.SyncAsync();
        var unchanged = await indexer.SyncAsync();
        await File.WriteAllTextAsync(Path.Combine(work, "hosts/db1.nix"), "{ services.postgresql.enable = true; services.postgresql.package = pkgs.postgresql_16; }");
        await Git(work, "rm", "--quiet", "modules/common.nix");
        await WriteAndCommitAsync(work, "second", new Dictionary<string, string>());
        var changed = await indexer.SyncAsync();
        await bed.WaitUntilSearchableAsync(KnowledgeCollection.Configs, "postgresql package", ConfigRepositoryIndexer.IdFor("hosts/db1.nix"));

        Assert.Equal((3, 3, 0), (cloned.FileCount, cloned.WrittenCount, cloned.DeletedCount));
        Assert.Equal((3, 0, 0), (unchanged.FileCount, unchanged.WrittenCount, unchanged.DeletedCount));
        Assert.Equal((2, 1, 1), (changed.FileCount, changed.WrittenCount, changed.DeletedCount));
        Assert.NotEqual(cloned.Commit, changed.Commit);
        var records = await bed.Store.ListAsync(KnowledgeCollection.Configs, new System.Text.Json.Nodes.JsonObject { [KnowledgeStore.SourceKey] = KnowledgeSources.ConfigRepository });
        Assert.Equal(["db1", "web1"], records.Values.Select(r => r[ConfigRepositoryIndexer.HostKey]).Order());
        var hits = await bed.Store.SearchAsync("postgresql package", [KnowledgeCollection.Configs], 1, -1, ModelRequestPriority.Interactive);
        Assert.Equal("hosts/db1.nix", hits[0].Title);
        Assert.Contains("postgresql_16", hits[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SyncAsync_MissingBranch_ThrowsWithGitsError()
    {
        var (bare, work) = await CreateRepositoryAsync();
        await WriteAndCommitAsync(work, "first", new Dictionary<string, string> { ["flake.nix"] = "{ }" });
        await using var bed = await KnowledgeTestBed.StartAsync(_chroma.Server.Uri, settings: new Dictionary<string, string?>
        {
            ["Macha:Knowledge:ConfigRepository:Url"] = new Uri(bare).AbsoluteUri,
            ["Macha:Knowledge:ConfigRepository:Branch"] = "production",
        });

        var error = await Assert.ThrowsAsync<ConfigRepositoryException>(() => bed.Get<ConfigRepositoryIndexer>().SyncAsync());

        Assert.Contains("git clone failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("production", error.Message, StringComparison.Ordinal);
    }

    private async Task<(string Bare, string Work)> CreateRepositoryAsync()
    {
        var bare = Path.Combine(_git.Path, "configs.git");
        var work = Path.Combine(_git.Path, "work");
        await Git(_git.Path, "init", "--quiet", "--bare", "--initial-branch=main", bare);
        await Git(_git.Path, "init", "--quiet", "--initial-branch=main", work);
        await Git(work, "remote", "add", "origin", bare);
        return (bare, work);
    }

    private static async Task WriteAndCommitAsync(string work, string message, IReadOnlyDictionary<string, string> files)
    {
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(work, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content);
        }

        await Git(work, "add", "--all");
        await Git(work, "-c", "user.name=Test", "-c", "user.email=test@example.invalid", "commit", "--quiet", "-m", message);
        await Git(work, "push", "--quiet", "origin", "main");
    }

    private static async Task Git(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)} failed: {await error}");
    }
}
