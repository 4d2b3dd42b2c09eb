using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Macha.Core.Analysis;
using Macha.Core.Knowledge.Chroma;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Knowledge;

/// <summary>
/// Finds or creates the Chroma collection behind each <see cref="KnowledgeCollection"/> for the
/// configured embedding model, and moves records embedded by an earlier model into it.
/// </summary>
/// <remarks>
/// A Chroma collection accepts embeddings of one dimension only, so each embedding model gets its
/// own collection, named <c>macha-{name}-{hash of model and dimension}</c>, with the model and the
/// dimension in its metadata. Vectors of one model therefore never reach another model's
/// collection. When the model changes, <see cref="ReembedAsync"/> copies every document into the new
/// collection with fresh embeddings and deletes the old collection only after all of its records
/// were copied, so a change of model loses nothing and a half-finished copy resumes at the next start.
/// </remarks>
internal sealed partial class KnowledgeCollections : IDisposable
{
    public const string LogicalNameKey = "macha_collection";
    public const string ModelKey = "embedding_model";
    public const string DimensionKey = "embedding_dimension";

    private const int PageSize = 100;
    private const string DimensionProbe = "dimension probe";

    private readonly ChromaClientProvider _clients;
    private readonly KnowledgeEmbedder _embedder;
    private readonly IOptions<KnowledgeOptions> _options;
    private readonly ILogger<KnowledgeCollections> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<KnowledgeCollection, ChromaCollection> _resolved = [];
    private bool _databaseReady;
    private int? _dimension;

    public KnowledgeCollections(ChromaClientProvider clients, KnowledgeEmbedder embedder, IOptions<KnowledgeOptions> options, ILogger<KnowledgeCollections> logger)
    {
        _clients = clients;
        _embedder = embedder;
        _options = options;
        _logger = logger;
    }

    /// <summary>Returns the collection for the current model, creating it when missing.</summary>
    /// <exception cref="KnowledgeUnavailableException">ChromaDB or the embedding model failed.</exception>
    public async Task<ChromaCollection> GetAsync(KnowledgeCollection collection, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_resolved.TryGetValue(collection, out var known))
            {
                return known;
            }

            var options = _options.Value;
            var client = _clients.Create();
            if (!_databaseReady)
            {
                await client.EnsureDatabaseAsync(options.Tenant, options.Database, cancellationToken);
                _databaseReady = true;
            }

            _dimension ??= (await _embedder.EmbedAsync([DimensionProbe], ModelRequestPriority.Background, cancellationToken))[0].Length;
            var name = PhysicalName(collection, _embedder.Model, _dimension.Value);
            var metadata = new Dictionary<string, object>
            {
                [LogicalNameKey] = collection.Name(),
                [ModelKey] = _embedder.Model,
                [DimensionKey] = _dimension.Value,
            };
            var resolved = await client.GetOrCreateCollectionAsync(options.Tenant, options.Database, name, metadata, cancellationToken);
            _resolved[collection] = resolved;
            return resolved;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the collection. When Chroma no longer knows the collection's
    /// id (someone deleted and re-created it), looks the collection up by name once and runs again.
    /// </summary>
    public async Task<T> UseAsync<T>(KnowledgeCollection collection, Func<ChromaClient, ChromaCollection, Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);

        var target = await GetAsync(collection, cancellationToken);
        try
        {
            return await work(_clients.Create(), target);
        }
        catch (ChromaException ex) when (ex.Kind == ChromaErrorKind.NotFound)
        {
            LogCollectionIdStale(target.Name, target.Id);
            await ForgetAsync(collection, cancellationToken);
            target = await GetAsync(collection, cancellationToken);
            return await work(_clients.Create(), target);
        }
    }

    /// <summary>
    /// Copies the records of collections made for an earlier embedding model into the current
    /// model's collection, with new embeddings, then deletes each old collection once all of its
    /// records are copied. Returns the number of records copied.
    /// </summary>
    public async Task<int> ReembedAsync(KnowledgeCollection collection, CancellationToken cancellationToken = default)
    {
        var target = await GetAsync(collection, cancellationToken);
        var options = _options.Value;
        var client = _clients.Create();
        var all = await client.ListCollectionsAsync(options.Tenant, options.Database, cancellationToken);
        var stale = all.Where(c => c.Name != target.Name && c.GetMetadataString(LogicalNameKey) == collection.Name()).ToList();

        var copied = 0;
        foreach (var old in stale)
        {
            var oldModel = old.GetMetadataString(ModelKey) ?? "an unknown model";
            LogReembedStarted(old.Name, oldModel, target.Name, _embedder.Model);
            var copiedFromOld = 0;
            for (var offset = 0; ; offset += PageSize)
            {
                var page = await client.GetAsync(old, include: ChromaInclude.Documents | ChromaInclude.Metadatas, limit: PageSize, offset: offset, cancellationToken: cancellationToken);
                if (page.Ids.Count == 0)
                {
                    break;
                }

                var documents = page.Ids.Select((_, i) => page.Documents?[i] ?? string.Empty).ToList();
                var metadatas = page.Ids.Select((_, i) => ToObjects(page.Metadatas?[i])).ToList();
                var inputs = documents.Select((document, i) => KnowledgeStore.EmbeddingInput(metadatas[i], document)).ToList();
                var embeddings = await _embedder.EmbedAsync(inputs, ModelRequestPriority.Background, cancellationToken);
                await client.UpsertAsync(target, new ChromaRecords(page.Ids, [.. embeddings], documents, metadatas), cancellationToken);
                copiedFromOld += page.Ids.Count;
            }

            // Only a complete copy lets the old collection go; otherwise the next start copies again.
            var oldCount = await client.CountAsync(old, cancellationToken);
            if (copiedFromOld == oldCount)
            {
                await client.DeleteCollectionAsync(options.Tenant, options.Database, old.Name, cancellationToken);
                LogReembedFinished(old.Name, copiedFromOld, target.Name);
            }
            else
            {
                LogReembedIncomplete(old.Name, copiedFromOld, oldCount);
            }

            copied += copiedFromOld;
        }

        return copied;
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>Forgets the cached collection, so the next use looks it up by name again.</summary>
    public async Task ForgetAsync(KnowledgeCollection collection, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _resolved.Remove(collection);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Returns the Chroma name for a collection, model and dimension, such as macha-knowledge-1f3a9c2e.</summary>
    public static string PhysicalName(KnowledgeCollection collection, string model, int dimension)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"{model}/{dimension}");
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..8];
        return $"macha-{collection.Name()}-{hash}";
    }

    private static Dictionary<string, object> ToObjects(Dictionary<string, System.Text.Json.JsonElement>? metadata)
    {
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata ?? [])
        {
            object? converted = value.ValueKind switch
            {
                System.Text.Json.JsonValueKind.String => value.GetString(),
                System.Text.Json.JsonValueKind.Number when value.TryGetInt64(out var whole) => whole,
                System.Text.Json.JsonValueKind.Number => value.GetDouble(),
                System.Text.Json.JsonValueKind.True => true,
                System.Text.Json.JsonValueKind.False => false,
                _ => null,
            };
            if (converted is not null)
            {
                result[key] = converted;
            }
        }

        return result;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ChromaDB no longer knows collection {CollectionName} by id {CollectionId}; looking it up by name again")]
    private partial void LogCollectionIdStale(string collectionName, string collectionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-embedding collection {OldCollection} (model {OldModel}) into {NewCollection} (model {NewModel})")]
    private partial void LogReembedStarted(string oldCollection, string oldModel, string newCollection, string newModel);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-embedded {RecordCount} records of {OldCollection} into {NewCollection} and deleted the old collection")]
    private partial void LogReembedFinished(string oldCollection, int recordCount, string newCollection);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-embedding {OldCollection} copied {CopiedCount} of {RecordCount} records; the old collection is kept and the copy resumes at the next start")]
    private partial void LogReembedIncomplete(string oldCollection, int copiedCount, int recordCount);
}
