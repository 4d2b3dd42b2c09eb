using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Macha.Core.Analysis;
using Macha.Core.Knowledge.Chroma;
using Microsoft.Extensions.Logging;

namespace Macha.Core.Knowledge;

/// <summary>
/// Stores, searches and deletes records of the knowledge base. Embeddings come from
/// <see cref="KnowledgeEmbedder"/>, collections from <see cref="KnowledgeCollections"/>. Every
/// failure of ChromaDB or of the embedding model surfaces as <see cref="KnowledgeUnavailableException"/>
/// and is remembered for <see cref="KnowledgeStatus"/>.
/// </summary>
public sealed partial class KnowledgeStore
{
    public const string TitleKey = "title";
    public const string SourceKey = "source";
    public const string TagsKey = "tags";
    public const string CreatedAtKey = "created_at";
    public const string ContentHashKey = "content_hash";

    /// <summary>Longest title of a note, in characters.</summary>
    public const int MaxTitleLength = 200;

    /// <summary>Longest text of a record, in characters; embedding models read a few thousand tokens at most.</summary>
    public const int MaxTextLength = 16_000;

    private readonly ChromaClientProvider _clients;
    private readonly KnowledgeCollections _collections;
    private readonly KnowledgeEmbedder _embedder;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<KnowledgeStore> _logger;
    private readonly Lock _failureLock = new();
    private (DateTimeOffset At, string Message)? _lastFailure;

    internal KnowledgeStore(
        ChromaClientProvider clients,
        KnowledgeCollections collections,
        KnowledgeEmbedder embedder,
        TimeProvider timeProvider,
        ILogger<KnowledgeStore> logger)
    {
        _clients = clients;
        _collections = collections;
        _embedder = embedder;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Whether Macha:Knowledge:ChromaUrl is set.</summary>
    public bool IsConfigured => _clients.IsConfigured;

    /// <summary>The most recent failure of a knowledge operation, cleared by the next success.</summary>
    public (DateTimeOffset At, string Message)? LastFailure
    {
        get
        {
            lock (_failureLock)
            {
                return _lastFailure;
            }
        }
    }

    /// <summary>
    /// Stores documents, embedding only those that are new or whose text or title changed, so
    /// re-seeding and re-indexing cost no model calls for unchanged records. Returns how many were written.
    /// </summary>
    public Task<int> UpsertAsync(
        KnowledgeCollection collection, IReadOnlyList<KnowledgeDocument> documents, ModelRequestPriority priority, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        return GuardAsync($"store in {collection.Name()}", async () =>
        {
            if (documents.Count == 0)
            {
                return 0;
            }

            var metadatas = documents.Select(d => BuildMetadata(d, _timeProvider.GetUtcNow())).ToList();
            var existing = await _collections.UseAsync(
                collection,
                (client, target) => client.GetAsync(target, ids: [.. documents.Select(d => d.Id)], include: ChromaInclude.Metadatas, cancellationToken: cancellationToken),
                cancellationToken);
            var unchanged = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < existing.Ids.Count; i++)
            {
                var metadata = existing.Metadatas?[i];
                if (metadata is not null && metadata.TryGetValue(ContentHashKey, out var hash) && documents.FirstOrDefault(d => d.Id == existing.Ids[i]) is { } document
                    && hash.GetString() == (string)BuildMetadata(document, default)[ContentHashKey])
                {
                    unchanged.Add(existing.Ids[i]);
                }
            }

            var changed = Enumerable.Range(0, documents.Count).Where(i => !unchanged.Contains(documents[i].Id)).ToList();
            if (changed.Count == 0)
            {
                return 0;
            }

            var texts = changed.Select(i => Limit(documents[i].Text)).ToList();
            var embeddings = await _embedder.EmbedAsync([.. changed.Select(i => EmbeddingInput(documents[i].Title, Limit(documents[i].Text)))], priority, cancellationToken);
            var records = new ChromaRecords(
                [.. changed.Select(i => documents[i].Id)],
                [.. embeddings],
                texts,
                [.. changed.Select(i => (IReadOnlyDictionary<string, object>)metadatas[i])]);
            await _collections.UseAsync(collection, async (client, target) =>
            {
                await client.UpsertAsync(target, records, cancellationToken);
                return true;
            }, cancellationToken);
            return changed.Count;
        });
    }

    /// <summary>
    /// Returns the nearest records of the given collections to <paramref name="query"/>, most similar
    /// first, leaving out those below <paramref name="minSimilarity"/>.
    /// </summary>
    /// <param name="where">A Chroma metadata filter applied in every collection, or null.</param>
    public Task<IReadOnlyList<KnowledgeHit>> SearchAsync(
        string query,
        IReadOnlyList<KnowledgeCollection> collections,
        int limit,
        double minSimilarity,
        ModelRequestPriority priority,
        JsonObject? where = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        ArgumentNullException.ThrowIfNull(collections);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);

        return GuardAsync<IReadOnlyList<KnowledgeHit>>("search", async () =>
        {
            var embedding = (await _embedder.EmbedAsync([Limit(query)], priority, cancellationToken))[0];
            var hits = new List<KnowledgeHit>();
            foreach (var collection in collections)
            {
                var result = await _collections.UseAsync(collection, (client, target) => QueryAsync(client, target, embedding, limit, where, cancellationToken), cancellationToken);
                hits.AddRange(ToHits(collection, result).Where(hit => hit.Similarity >= minSimilarity));
            }

            return [.. hits.OrderByDescending(hit => hit.Similarity).Take(limit)];
        });
    }

    /// <summary>
    /// Queries one collection, skipping an empty one. Chroma 1.0.0 in single-node mode sometimes
    /// answers a query with a 500 "Error creating hnsw segment reader: Nothing found on disk" while it
    /// indexes new records (upstream issue chroma-core/chroma#4212). The query is retried within the
    /// bounds of <see cref="ChromaIndexRetry"/>, and if every attempt fails, the collection counts as
    /// having no hits this time, so an analysis goes on without it.
    /// </summary>
    private async Task<ChromaQueryResult> QueryAsync(ChromaClient client, ChromaCollection target, float[] embedding, int limit, JsonObject? where, CancellationToken cancellationToken)
    {
        var empty = new ChromaQueryResult([[]], [[]], [[]], [[]]);
        if (await client.CountAsync(target, cancellationToken) == 0)
        {
            return empty;
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await client.QueryAsync(target, embedding, limit, where, cancellationToken);
            }
            catch (ChromaException ex) when (ChromaIndexRetry.IsIndexNotReady(ex))
            {
                if (attempt >= ChromaIndexRetry.MaxAttempts)
                {
                    LogSegmentNotReady(target.Name, attempt, ex.Message);
                    return empty;
                }

                var delay = ChromaIndexRetry.DelayAfter(attempt);
                LogSegmentRetry(target.Name, attempt, (long)delay.TotalMilliseconds);
                await Task.Delay(delay, _timeProvider, cancellationToken);
            }
        }
    }

    /// <summary>Stores a note written by a person. Its id is a hash of title and text, so adding the same note twice keeps one.</summary>
    public async Task<KnowledgeNote> AddNoteAsync(string title, string text, IReadOnlyList<string> tags, string source = KnowledgeSources.Person, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        ArgumentNullException.ThrowIfNull(tags);

        var id = "note-" + Hash($"{title.Trim()}\n{text.Trim()}")[..20];
        var metadata = new Dictionary<string, object> { [TagsKey] = string.Join(',', tags.Select(t => t.Trim()).Where(t => t.Length > 0)) };
        await UpsertAsync(KnowledgeCollection.Knowledge, [new KnowledgeDocument(id, title.Trim(), text.Trim(), source, metadata)], ModelRequestPriority.Interactive, cancellationToken);
        return await GetNoteAsync(id, cancellationToken) ?? throw new KnowledgeUnavailableException($"note {id} was stored but cannot be read back");
    }

    /// <summary>Returns a note of the knowledge collection, or null when there is none with this id.</summary>
    public Task<KnowledgeNote?> GetNoteAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return GuardAsync("read a note", async () =>
        {
            var result = await _collections.UseAsync(KnowledgeCollection.Knowledge, (client, target) => client.GetAsync(target, ids: [id], cancellationToken: cancellationToken), cancellationToken);
            return result.Ids.Count == 0 ? null : ToNote(result.Ids[0], result.Documents?[0], result.Metadatas?[0]);
        });
    }

    /// <summary>Deletes a note of the knowledge collection; returns false when there was none with this id.</summary>
    public Task<bool> DeleteNoteAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return GuardAsync("delete a note", async () =>
        {
            return await _collections.UseAsync(KnowledgeCollection.Knowledge, async (client, target) =>
            {
                var existing = await client.GetAsync(target, ids: [id], include: ChromaInclude.None, cancellationToken: cancellationToken);
                if (existing.Ids.Count == 0)
                {
                    return false;
                }

                await client.DeleteAsync(target, ids: [id], cancellationToken: cancellationToken);
                return true;
            }, cancellationToken);
        });
    }

    /// <summary>Returns the ids and metadata of every record matching <paramref name="where"/>, for re-indexing.</summary>
    public Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> ListAsync(
        KnowledgeCollection collection, JsonObject where, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(where);
        return GuardAsync<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>>($"list {collection.Name()}", async () =>
        {
            var records = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
            const int pageSize = 500;
            for (var offset = 0; ; offset += pageSize)
            {
                var page = await _collections.UseAsync(
                    collection,
                    (client, target) => client.GetAsync(target, where: where, include: ChromaInclude.Metadatas, limit: pageSize, offset: offset, cancellationToken: cancellationToken),
                    cancellationToken);
                for (var i = 0; i < page.Ids.Count; i++)
                {
                    records[page.Ids[i]] = ToStrings(page.Metadatas?[i]);
                }

                if (page.Ids.Count < pageSize)
                {
                    return records;
                }
            }
        });
    }

    /// <summary>Deletes records by id; ids that do not exist are ignored.</summary>
    public Task DeleteAsync(KnowledgeCollection collection, IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return GuardAsync($"delete from {collection.Name()}", async () =>
        {
            if (ids.Count > 0)
            {
                await _collections.UseAsync(collection, async (client, target) =>
                {
                    await client.DeleteAsync(target, ids: ids, cancellationToken: cancellationToken);
                    return true;
                }, cancellationToken);
            }

            return true;
        });
    }

    /// <summary>Re-embeds records left in collections of an earlier embedding model; returns how many were copied.</summary>
    public Task<int> ReembedAsync(CancellationToken cancellationToken = default) =>
        GuardAsync("re-embed", async () =>
        {
            var copied = 0;
            foreach (var collection in KnowledgeCollectionNames.All)
            {
                copied += await _collections.ReembedAsync(collection, cancellationToken);
            }

            return copied;
        });

    /// <summary>Returns the text embedded for a record: its title, a blank line, then its text.</summary>
    internal static string EmbeddingInput(string title, string text) =>
        string.IsNullOrEmpty(title) ? text : $"{title}\n\n{text}";

    internal static string EmbeddingInput(IReadOnlyDictionary<string, object> metadata, string text) =>
        EmbeddingInput(metadata.TryGetValue(TitleKey, out var title) ? title as string ?? string.Empty : string.Empty, text);

    internal static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private async Task<T> GuardAsync<T>(string operation, Func<Task<T>> work)
    {
        try
        {
            var result = await work();
            lock (_failureLock)
            {
                _lastFailure = null;
            }

            return result;
        }
        catch (ChromaException ex)
        {
            throw Remember(new KnowledgeUnavailableException(ex.Message, ex), operation);
        }
        catch (KnowledgeUnavailableException ex)
        {
            throw Remember(ex, operation);
        }
    }

    private KnowledgeUnavailableException Remember(KnowledgeUnavailableException exception, string operation)
    {
        lock (_failureLock)
        {
            _lastFailure = (_timeProvider.GetUtcNow(), exception.Message);
        }

        LogOperationFailed(operation, exception.Message);
        return exception;
    }

    private static Dictionary<string, object> BuildMetadata(KnowledgeDocument document, DateTimeOffset now)
    {
        var metadata = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in document.Metadata ?? new Dictionary<string, object>())
        {
            metadata[key] = value;
        }

        metadata[TitleKey] = document.Title;
        metadata[SourceKey] = document.Source;
        metadata[CreatedAtKey] = now.ToString("O", CultureInfo.InvariantCulture);

        // Covers everything but the time stamp, so an unchanged record is recognised and skipped.
        var hashed = string.Join('\n', metadata.Where(p => p.Key != CreatedAtKey).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        metadata[ContentHashKey] = Hash($"{hashed}\n{Limit(document.Text)}");
        return metadata;
    }

    private static string Limit(string text) => text.Length > MaxTextLength ? text[..MaxTextLength] : text;

    private static IEnumerable<KnowledgeHit> ToHits(KnowledgeCollection collection, ChromaQueryResult result)
    {
        if (result.Ids.Count == 0)
        {
            yield break;
        }

        for (var i = 0; i < result.Ids[0].Count; i++)
        {
            var metadata = ToStrings(result.Metadatas?[0][i]);
            var distance = result.Distances?[0][i] ?? 2;
            yield return new KnowledgeHit(
                collection.Name(),
                result.Ids[0][i],
                metadata.GetValueOrDefault(TitleKey, string.Empty),
                result.Documents?[0][i] ?? string.Empty,
                Math.Round(1 - distance, 4),
                metadata.GetValueOrDefault(SourceKey, string.Empty),
                metadata);
        }
    }

    private static KnowledgeNote ToNote(string id, string? text, Dictionary<string, JsonElement>? metadata)
    {
        var values = ToStrings(metadata);
        var tags = values.GetValueOrDefault(TagsKey, string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        DateTimeOffset? created = DateTimeOffset.TryParse(values.GetValueOrDefault(CreatedAtKey), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null;
        return new KnowledgeNote(id, values.GetValueOrDefault(TitleKey, string.Empty), text ?? string.Empty, tags, values.GetValueOrDefault(SourceKey, string.Empty), created);
    }

    private static Dictionary<string, string> ToStrings(Dictionary<string, JsonElement>? metadata)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata ?? [])
        {
            values[key] = value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : value.GetRawText();
        }

        return values;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ChromaDB could not read the index of collection {CollectionName} after {AttemptCount} attempts, so it is searched as empty this time: {Reason}")]
    private partial void LogSegmentNotReady(string collectionName, int attemptCount, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "ChromaDB is still indexing collection {CollectionName} (attempt {Attempt}); querying again in {DelayMs} ms")]
    private partial void LogSegmentRetry(string collectionName, int attempt, long delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Knowledge base: {Operation} failed: {Reason}")]
    private partial void LogOperationFailed(string operation, string reason);
}
