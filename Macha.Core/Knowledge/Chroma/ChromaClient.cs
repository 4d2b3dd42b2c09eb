using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Polly.Timeout;

namespace Macha.Core.Knowledge.Chroma;

/// <summary>
/// A typed client for ChromaDB's HTTP API v2 (Chroma 1.0 and later): tenants, databases,
/// collections, and records. Timeouts and retries come from the resilience handler that
/// <see cref="KnowledgeServiceCollectionExtensions"/> puts on the HttpClient. Every failure
/// surfaces as <see cref="ChromaException"/>.
/// </summary>
public sealed class ChromaClient
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http;
    private readonly Action<bool, string>? _reportReachability;

    /// <param name="reportReachability">
    /// Called after each request with whether the server was unreachable, and with the error or the
    /// server's address. <see cref="ChromaClientProvider"/> turns it into dependency notifications.
    /// </param>
    public ChromaClient(HttpClient http, Action<bool, string>? reportReachability = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
        _reportReachability = reportReachability;
    }

    /// <summary>Returns the server's version, such as "1.0.0". Chroma sends it as a bare JSON string.</summary>
    public async Task<string> GetVersionAsync(CancellationToken cancellationToken = default)
    {
        var version = await SendAsync<JsonElement>(HttpMethod.Get, "api/v2/version", null, "version", cancellationToken);
        return version.ValueKind == JsonValueKind.String ? version.GetString() ?? string.Empty : version.GetRawText();
    }

    /// <summary>Checks that the server answers; throws <see cref="ChromaException"/> when it does not.</summary>
    public Task HeartbeatAsync(CancellationToken cancellationToken = default) =>
        SendAsync<JsonElement>(HttpMethod.Get, "api/v2/heartbeat", null, "heartbeat", cancellationToken);

    /// <summary>Creates the tenant and the database when they do not exist yet.</summary>
    public async Task EnsureDatabaseAsync(string tenant, string database, CancellationToken cancellationToken = default)
    {
        if (!await ExistsAsync($"api/v2/tenants/{Escape(tenant)}", "get tenant", cancellationToken))
        {
            await CreateIgnoringConflictAsync("api/v2/tenants", new JsonObject { ["name"] = tenant }, "create tenant", cancellationToken);
        }

        if (!await ExistsAsync($"api/v2/tenants/{Escape(tenant)}/databases/{Escape(database)}", "get database", cancellationToken))
        {
            await CreateIgnoringConflictAsync($"api/v2/tenants/{Escape(tenant)}/databases", new JsonObject { ["name"] = database }, "create database", cancellationToken);
        }
    }

    /// <summary>
    /// Returns the collection with this name, creating it in cosine space with <paramref name="metadata"/>
    /// when it does not exist. An existing collection keeps its own metadata.
    /// </summary>
    public async Task<ChromaCollection> GetOrCreateCollectionAsync(
        string tenant, string database, string name, IReadOnlyDictionary<string, object> metadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (!ChromaNames.IsValidCollection(name))
        {
            throw new ArgumentException($"'{name}' is not a valid Chroma collection name.", nameof(name));
        }

        var body = new JsonObject
        {
            ["name"] = name,
            ["get_or_create"] = true,

            // Chroma reads the distance function of a new collection from this metadata key.
            ["metadata"] = ToJson(new Dictionary<string, object>(metadata) { ["hnsw:space"] = "cosine" }),
        };
        try
        {
            return await SendAsync<ChromaCollection>(HttpMethod.Post, CollectionsPath(tenant, database), body, $"get or create collection {name}", cancellationToken);
        }
        catch (ChromaException ex) when (ex.Kind == ChromaErrorKind.Conflict)
        {
            // Another writer created it between our check and our create; use theirs, never re-create.
            return await GetCollectionAsync(tenant, database, name, cancellationToken)
                ?? throw new ChromaException(ChromaErrorKind.ServerError, $"ChromaDB reported collection {name} as existing, but it cannot be read.", innerException: ex);
        }
    }

    /// <summary>Returns the collection with this name, or null when there is none.</summary>
    public async Task<ChromaCollection?> GetCollectionAsync(string tenant, string database, string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendAsync<ChromaCollection>(HttpMethod.Get, $"{CollectionsPath(tenant, database)}/{Escape(name)}", null, $"get collection {name}", cancellationToken);
        }
        catch (ChromaException ex) when (ex.Kind == ChromaErrorKind.NotFound)
        {
            return null;
        }
    }

    public Task<List<ChromaCollection>> ListCollectionsAsync(string tenant, string database, CancellationToken cancellationToken = default) =>
        SendAsync<List<ChromaCollection>>(HttpMethod.Get, $"{CollectionsPath(tenant, database)}?limit=1000", null, "list collections", cancellationToken);

    public Task DeleteCollectionAsync(string tenant, string database, string name, CancellationToken cancellationToken = default) =>
        SendAsync<JsonElement>(HttpMethod.Delete, $"{CollectionsPath(tenant, database)}/{Escape(name)}", null, $"delete collection {name}", cancellationToken);

    /// <summary>Adds records; Chroma rejects ids that already exist in the collection.</summary>
    public Task AddAsync(ChromaCollection collection, ChromaRecords records, CancellationToken cancellationToken = default) =>
        WriteAsync(collection, "add", records, cancellationToken);

    /// <summary>Adds records, replacing those whose ids exist.</summary>
    public Task UpsertAsync(ChromaCollection collection, ChromaRecords records, CancellationToken cancellationToken = default) =>
        WriteAsync(collection, "upsert", records, cancellationToken);

    /// <summary>Returns the <paramref name="count"/> nearest records to <paramref name="embedding"/>, nearest first, with cosine distances.</summary>
    /// <param name="where">A Chroma metadata filter such as <c>{"host": "web1"}</c>, or null.</param>
    public async Task<ChromaQueryResult> QueryAsync(
        ChromaCollection collection, float[] embedding, int count, JsonObject? where = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(embedding);

        var body = new JsonObject
        {
            ["query_embeddings"] = new JsonArray(JsonSerializer.SerializeToNode(embedding, Json)),
            ["n_results"] = count,
            ["include"] = new JsonArray("documents", "metadatas", "distances"),
        };
        if (where is not null)
        {
            body["where"] = where.DeepClone();
        }

        return await SendAsync<ChromaQueryResult>(HttpMethod.Post, $"{RecordsPath(collection)}/query", body, $"query collection {collection.Name}", cancellationToken);
    }

    /// <summary>Returns records by id or filter, a page at a time.</summary>
    public async Task<ChromaGetResult> GetAsync(
        ChromaCollection collection,
        IReadOnlyList<string>? ids = null,
        JsonObject? where = null,
        ChromaInclude include = ChromaInclude.Documents | ChromaInclude.Metadatas,
        int? limit = null,
        int? offset = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(collection);

        var includes = new JsonArray();
        if (include.HasFlag(ChromaInclude.Documents))
        {
            includes.Add("documents");
        }

        if (include.HasFlag(ChromaInclude.Metadatas))
        {
            includes.Add("metadatas");
        }

        if (include.HasFlag(ChromaInclude.Embeddings))
        {
            includes.Add("embeddings");
        }

        var body = new JsonObject { ["include"] = includes };
        if (ids is not null)
        {
            body["ids"] = new JsonArray([.. ids.Select(id => (JsonNode)id)]);
        }

        if (where is not null)
        {
            body["where"] = where.DeepClone();
        }

        if (limit is { } l)
        {
            body["limit"] = l;
        }

        if (offset is { } o)
        {
            body["offset"] = o;
        }

        return await SendAsync<ChromaGetResult>(HttpMethod.Post, $"{RecordsPath(collection)}/get", body, $"get from collection {collection.Name}", cancellationToken);
    }

    /// <summary>Deletes records by id or filter; ids that do not exist are ignored.</summary>
    public async Task DeleteAsync(ChromaCollection collection, IReadOnlyList<string>? ids = null, JsonObject? where = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(collection);
        if (ids is null && where is null)
        {
            throw new ArgumentException("Deleting needs ids or a filter; deleting a whole collection is DeleteCollectionAsync.");
        }

        var body = new JsonObject();
        if (ids is not null)
        {
            body["ids"] = new JsonArray([.. ids.Select(id => (JsonNode)id)]);
        }

        if (where is not null)
        {
            body["where"] = where.DeepClone();
        }

        await SendAsync<JsonElement>(HttpMethod.Post, $"{RecordsPath(collection)}/delete", body, $"delete from collection {collection.Name}", cancellationToken);
    }

    public async Task<int> CountAsync(ChromaCollection collection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(collection);
        return await SendAsync<int>(HttpMethod.Get, $"{RecordsPath(collection)}/count", null, $"count collection {collection.Name}", cancellationToken);
    }

    private async Task WriteAsync(ChromaCollection collection, string operation, ChromaRecords records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(records);
        var count = records.Ids.Count;
        if (records.Embeddings.Count != count || records.Documents.Count != count || records.Metadatas.Count != count)
        {
            throw new ArgumentException("Every list of the records must be as long as the list of ids.", nameof(records));
        }

        var body = JsonSerializer.SerializeToNode(records, Json)!;
        await SendAsync<JsonElement>(HttpMethod.Post, $"{RecordsPath(collection)}/{operation}", body, $"{operation} to collection {collection.Name}", cancellationToken);
    }

    private async Task<bool> ExistsAsync(string path, string operation, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync<JsonElement>(HttpMethod.Get, path, null, operation, cancellationToken);
            return true;
        }
        catch (ChromaException ex) when (ex.Kind == ChromaErrorKind.NotFound)
        {
            return false;
        }
    }

    private async Task CreateIgnoringConflictAsync(string path, JsonObject body, string operation, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync<JsonElement>(HttpMethod.Post, path, body, operation, cancellationToken);
        }
        catch (ChromaException ex) when (ex.Kind == ChromaErrorKind.Conflict)
        {
            // Created by someone else in the meantime, which is what we wanted.
        }
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, JsonNode? body, string operation, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw Unreachable(new ChromaException(ChromaErrorKind.Unavailable, $"ChromaDB {operation} failed: the server at {_http.BaseAddress} could not be reached ({ex.Message}).", innerException: ex));
        }
        catch (TimeoutRejectedException ex)
        {
            throw Unreachable(new ChromaException(ChromaErrorKind.Unavailable, $"ChromaDB {operation} timed out at {_http.BaseAddress}; Macha:Knowledge:RequestTimeout sets the limit.", innerException: ex));
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unreachable(new ChromaException(ChromaErrorKind.Unavailable, $"ChromaDB {operation} timed out at {_http.BaseAddress}.", innerException: ex));
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var failure = ChromaException.FromResponse(response.StatusCode, text, operation);
                if (failure.Kind == ChromaErrorKind.Unavailable)
                {
                    throw Unreachable(failure);
                }

                ReportAnswered();
                throw failure;
            }

            ReportAnswered();

            try
            {
                return JsonSerializer.Deserialize<T>(text, Json)
                    ?? throw new ChromaException(ChromaErrorKind.ServerError, $"ChromaDB {operation} returned an empty body.", response.StatusCode);
            }
            catch (JsonException ex)
            {
                throw new ChromaException(ChromaErrorKind.ServerError, $"ChromaDB {operation} returned a body Macha cannot read: {ex.Message}", response.StatusCode, innerException: ex);
            }
        }
    }

    private ChromaException Unreachable(ChromaException exception)
    {
        _reportReachability?.Invoke(true, exception.Message);
        return exception;
    }

    // Any response except an overload status means the server is up, error responses included.
    private void ReportAnswered() =>
        _reportReachability?.Invoke(false, $"ChromaDB at {_http.BaseAddress} responds again.");

    private static string CollectionsPath(string tenant, string database) =>
        $"api/v2/tenants/{Escape(tenant)}/databases/{Escape(database)}/collections";

    private static string RecordsPath(ChromaCollection collection) =>
        $"{CollectionsPath(collection.Tenant ?? throw new ArgumentException("The collection has no tenant."), collection.Database ?? throw new ArgumentException("The collection has no database."))}/{Escape(collection.Id)}";

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private static JsonObject ToJson(IReadOnlyDictionary<string, object> metadata)
    {
        var node = new JsonObject();
        foreach (var (key, value) in metadata)
        {
            node[key] = JsonSerializer.SerializeToNode(value, Json);
        }

        return node;
    }

    /// <summary>Returns whether a status is worth retrying: the server may answer later.</summary>
    internal static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout or HttpStatusCode.RequestTimeout;
}
