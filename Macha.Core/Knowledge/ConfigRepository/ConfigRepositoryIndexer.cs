using System.Text.Json.Nodes;
using Macha.Core.Analysis;
using Macha.Core.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Knowledge.ConfigRepository;

/// <summary>What one sync of the configuration repository did.</summary>
public sealed record ConfigSyncResult(string Commit, int FileCount, int WrittenCount, int DeletedCount);

/// <summary>
/// Clones or updates the NixOS configuration repository into the data directory and indexes its
/// tracked .nix files in the configs collection, one record per file with the host it belongs to.
/// Changed files are embedded again, unchanged ones are skipped, and records of deleted files are
/// removed.
/// </summary>
public sealed partial class ConfigRepositoryIndexer : IDisposable
{
    public const string PathKey = "path";
    public const string HostKey = "host";

    /// <summary>Host of files that belong to no single host, such as shared modules.</summary>
    public const string SharedHost = "shared";

    /// <summary>Directories whose children are named after hosts, as NixOS flakes usually lay them out.</summary>
    private static readonly string[] HostDirectories = ["hosts", "machines", "nodes", "systems"];

    private readonly KnowledgeStore _store;
    private readonly IOptions<KnowledgeOptions> _options;
    private readonly IOptions<MachaOptions> _machaOptions;
    private readonly ILogger<ConfigRepositoryIndexer> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    internal ConfigRepositoryIndexer(KnowledgeStore store, IOptions<KnowledgeOptions> options, IOptions<MachaOptions> machaOptions, ILogger<ConfigRepositoryIndexer> logger)
    {
        _store = store;
        _options = options;
        _machaOptions = machaOptions;
        _logger = logger;
    }

    public bool IsConfigured => _store.IsConfigured && !string.IsNullOrWhiteSpace(_options.Value.ConfigRepository.Url);

    /// <summary>Clones or pulls the repository and brings the configs collection in line with it.</summary>
    /// <exception cref="ConfigRepositoryException">git failed.</exception>
    /// <exception cref="KnowledgeUnavailableException">ChromaDB or the embedding model failed.</exception>
    public async Task<ConfigSyncResult> SyncAsync(CancellationToken cancellationToken = default)
    {
        var repository = _options.Value.ConfigRepository;
        if (string.IsNullOrWhiteSpace(repository.Url))
        {
            throw new ConfigRepositoryException("No configuration repository is configured (Macha:Knowledge:ConfigRepository:Url is empty).");
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var workDirectory = Path.Combine(_machaOptions.Value.ResolveDataDirectory(), "knowledge");
            var checkout = Path.Combine(workDirectory, "config-repository");
            var git = new GitRunner(workDirectory, repository);
            await CheckOutAsync(git, repository, checkout, cancellationToken);

            var commit = (await git.RunAsync(["rev-parse", "HEAD"], checkout, cancellationToken)).Trim();
            var listing = await git.RunAsync(["ls-files", "-z", "--", "*.nix"], checkout, cancellationToken);
            var paths = listing.Split('\0', StringSplitOptions.RemoveEmptyEntries);

            var documents = new List<KnowledgeDocument>(paths.Length);
            foreach (var path in paths)
            {
                var file = Path.Combine(checkout, path);
                if (!File.Exists(file))
                {
                    continue;
                }

                var text = await File.ReadAllTextAsync(file, cancellationToken);
                documents.Add(new KnowledgeDocument(
                    IdFor(path),
                    path,
                    text,
                    KnowledgeSources.ConfigRepository,
                    new Dictionary<string, object> { [PathKey] = path, [HostKey] = HostFor(path) }));
            }

            var written = await _store.UpsertAsync(KnowledgeCollection.Configs, documents, ModelRequestPriority.Background, cancellationToken);
            var existing = await _store.ListAsync(KnowledgeCollection.Configs, new JsonObject { [KnowledgeStore.SourceKey] = KnowledgeSources.ConfigRepository }, cancellationToken);
            var current = documents.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
            var deleted = existing.Keys.Where(id => !current.Contains(id)).ToList();
            await _store.DeleteAsync(KnowledgeCollection.Configs, deleted, cancellationToken);

            LogSynced(commit, documents.Count, written, deleted.Count);
            return new ConfigSyncResult(commit, documents.Count, written, deleted.Count);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>Returns the record id of a file: a hash of its path, so a changed file replaces its record.</summary>
    public static string IdFor(string path) => "config-" + KnowledgeStore.Hash(path)[..20];

    /// <summary>
    /// Returns the host a file belongs to: NAME for hosts/NAME/… or hosts/NAME.nix (also under
    /// machines/, nodes/ or systems/), and "shared" for anything else.
    /// </summary>
    public static string HostFor(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length >= 2 && HostDirectories.Contains(segments[0], StringComparer.OrdinalIgnoreCase))
        {
            var name = segments[1];
            return segments.Length == 2 && name.EndsWith(".nix", StringComparison.Ordinal) ? name[..^4] : name;
        }

        return SharedHost;
    }

    private static async Task CheckOutAsync(GitRunner git, ConfigRepositoryOptions repository, string checkout, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Path.Combine(checkout, ".git")))
        {
            if (Directory.Exists(checkout))
            {
                Directory.Delete(checkout, recursive: true);
            }

            await git.RunAsync(["clone", "--quiet", "--single-branch", "--branch", repository.Branch, "--", repository.Url!, checkout], cancellationToken: cancellationToken);
            return;
        }

        // The checkout is Macha's own mirror: it follows the remote branch exactly and keeps no local changes.
        await git.RunAsync(["remote", "set-url", "origin", "--", repository.Url!], checkout, cancellationToken);
        await git.RunAsync(["fetch", "--quiet", "--prune", "origin", "--", $"+refs/heads/{repository.Branch}:refs/remotes/origin/{repository.Branch}"], checkout, cancellationToken);
        await git.RunAsync(["reset", "--quiet", "--hard", $"refs/remotes/origin/{repository.Branch}"], checkout, cancellationToken);
        await git.RunAsync(["clean", "--quiet", "-d", "--force", "-x"], checkout, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Indexed the configuration repository at {Commit}: {FileCount} .nix files, {WrittenCount} embedded again, {DeletedCount} removed")]
    private partial void LogSynced(string commit, int fileCount, int writtenCount, int deletedCount);
}
