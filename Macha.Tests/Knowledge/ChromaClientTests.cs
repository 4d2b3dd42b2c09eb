using System.Net;
using System.Text.Json.Nodes;
using Macha.Core.Knowledge.Chroma;
using Macha.Tests.Fakes;

namespace Macha.Tests.Knowledge;

[Collection(ChromaTestCollection.Name)]
public sealed class ChromaClientTests : IAsyncLifetime
{
    private const string Tenant = "default_tenant";

    private readonly ChromaServerFixture _chroma;
    private readonly string _database = $"client-{Guid.NewGuid():N}";
    private KnowledgeTestBed _bed = default!;
    private ChromaClient _client = default!;

    public ChromaClientTests(ChromaServerFixture chroma)
    {
        _chroma = chroma;
    }

    public async Task InitializeAsync()
    {
        _bed = await KnowledgeTestBed.StartAsync(_chroma.Server.Uri);
        _client = _bed.Get<ChromaClientProvider>().Create();
        await _client.EnsureDatabaseAsync(Tenant, _database);
    }

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task GetVersionAsync_BareJsonString_ReadsVersion()
    {
        var version = await _client.GetVersionAsync();

        Assert.Equal("1.0.0", version);
    }

    [Fact]
    public async Task GetOrCreateCollectionAsync_Twice_ReturnsSameCollection()
    {
        var metadata = new Dictionary<string, object> { ["embedding_model"] = "m", ["embedding_dimension"] = 3 };

        var first = await _client.GetOrCreateCollectionAsync(Tenant, _database, "notes", metadata);
        var second = await _client.GetOrCreateCollectionAsync(Tenant, _database, "notes", new Dictionary<string, object>());

        Assert.Equal(first.Id, second.Id);
        Assert.Equal("cosine", second.GetMetadataString("hnsw:space"));
        Assert.Equal("m", second.GetMetadataString("embedding_model"));
        Assert.Single(await _client.ListCollectionsAsync(Tenant, _database));
    }

    [Fact]
    public async Task UpsertAsync_SameIdsTwice_KeepsOneRecordEach()
    {
        var collection = await CreateAsync("upserts");

        await _client.UpsertAsync(collection, Records(("a", [1, 0, 0], "first a"), ("b", [0, 1, 0], "b")));
        await _client.UpsertAsync(collection, Records(("a", [1, 0, 0], "second a")));

        Assert.Equal(2, await _client.CountAsync(collection));
        var a = await _client.GetAsync(collection, ids: ["a"]);
        Assert.Equal("second a", a.Documents![0]);
    }

    [Fact]
    public async Task QueryAsync_NearestFirst_ReturnsCosineDistances()
    {
        var collection = await CreateAsync("queries");
        await _client.UpsertAsync(collection, Records(("same", [2, 0, 0], "same direction"), ("right", [0, 1, 0], "right angle"), ("opposite", [-1, 0, 0], "opposite")));

        var result = await _client.QueryAsync(collection, [1, 0, 0], 3);

        Assert.Equal(["same", "right", "opposite"], result.Ids[0]);
        Assert.Equal(0, result.Distances![0][0], 3);
        Assert.Equal(1, result.Distances[0][1], 3);
        Assert.Equal(2, result.Distances[0][2], 3);
    }

    [Fact]
    public async Task QueryAsync_WhereFilter_ReturnsOnlyMatchingRecords()
    {
        var collection = await CreateAsync("filtered");
        await _client.UpsertAsync(collection, new ChromaRecords(
            ["web", "db"],
            [[1, 0, 0], [1, 0.1f, 0]],
            ["web config", "db config"],
            [new Dictionary<string, object> { ["host"] = "web1" }, new Dictionary<string, object> { ["host"] = "db1" }]));

        var result = await _client.QueryAsync(collection, [1, 0, 0], 5, new JsonObject { ["host"] = "db1" });

        Assert.Equal(["db"], result.Ids[0]);
    }

    [Fact]
    public async Task DeleteAsync_ById_RemovesOnlyThatRecord()
    {
        var collection = await CreateAsync("deletes");
        await _client.UpsertAsync(collection, Records(("a", [1, 0, 0], "a"), ("b", [0, 1, 0], "b")));

        await _client.DeleteAsync(collection, ids: ["a", "never-existed"]);

        var left = await _client.GetAsync(collection, include: ChromaInclude.None);
        Assert.Equal(["b"], left.Ids);
    }

    [Fact]
    public async Task AddAsync_OtherDimension_ThrowsDimensionMismatch()
    {
        var collection = await CreateAsync("dimensions");
        await _client.AddAsync(collection, Records(("a", [1, 0, 0], "three")));

        var error = await Assert.ThrowsAsync<ChromaException>(() => _client.AddAsync(collection, Records(("b", [1, 0, 0, 0], "four"))));

        Assert.Equal(ChromaErrorKind.DimensionMismatch, error.Kind);
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Contains("dimension", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, await _client.CountAsync(collection));
    }

    [Fact]
    public async Task GetCollectionAsync_Missing_ReturnsNull()
    {
        var missing = await _client.GetCollectionAsync(Tenant, _database, "never-made");

        Assert.Null(missing);
    }

    [Fact]
    public async Task UpsertAsync_CollectionDeletedMeanwhile_ThrowsNotFound()
    {
        var collection = await CreateAsync("deleted");
        await _client.DeleteCollectionAsync(Tenant, _database, "deleted");

        var error = await Assert.ThrowsAsync<ChromaException>(() => _client.UpsertAsync(collection, Records(("a", [1, 0, 0], "a"))));

        Assert.Equal(ChromaErrorKind.NotFound, error.Kind);
        Assert.Equal("NotFoundError", error.ErrorType);
    }

    [Fact]
    public async Task HeartbeatAsync_NothingListening_ThrowsUnavailable()
    {
        await using var closed = await KnowledgeTestBed.StartAsync(new Uri("http://127.0.0.1:9/"), ollama: _bed.Ollama);

        var error = await Assert.ThrowsAsync<ChromaException>(() => closed.Get<ChromaClientProvider>().Create().HeartbeatAsync());

        Assert.Equal(ChromaErrorKind.Unavailable, error.Kind);
        Assert.Contains("127.0.0.1:9", error.Message, StringComparison.Ordinal);
    }

    private Task<ChromaCollection> CreateAsync(string name) =>
        _client.GetOrCreateCollectionAsync(Tenant, _database, name, new Dictionary<string, object> { ["embedding_dimension"] = 3 });

    private static ChromaRecords Records(params (string Id, float[] Embedding, string Document)[] records) =>
        new(
            [.. records.Select(r => r.Id)],
            [.. records.Select(r => r.Embedding)],
            [.. records.Select(r => r.Document)],
            [.. records.Select(_ => (IReadOnlyDictionary<string, object>)new Dictionary<string, object> { ["source"] = "test" })]);
}
