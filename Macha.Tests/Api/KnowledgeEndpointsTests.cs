using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Macha.Tests.Fakes;
using Macha.Tests.Knowledge;

namespace Macha.Tests.Api;

[Collection(ChromaTestCollection.Name)]
public sealed class KnowledgeEndpointsTests : IAsyncLifetime, IDisposable
{
    private readonly ChromaServerFixture _chroma;
    private FakeOllamaServer _ollama = default!;
    private MachaWebFactory _factory = default!;
    private HttpClient _client = default!;

    public KnowledgeEndpointsTests(ChromaServerFixture chroma)
    {
        _chroma = chroma;
    }

    public async Task InitializeAsync()
    {
        _ollama = (await FakeOllamaServer.StartAsync()).UseDeterministicEmbeddings(KnowledgeTestBed.Dimensions);
        _factory = new MachaWebFactory();
        _factory.Settings["Macha:Analysis:OllamaUrl"] = _ollama.Uri.ToString();
        _factory.Settings["Macha:Knowledge:ChromaUrl"] = _chroma.Server.Uri.ToString();
        _factory.Settings["Macha:Knowledge:Database"] = $"api-{Guid.NewGuid():N}";
        _factory.Settings["Macha:Knowledge:MinSimilarity"] = "0.2";
        _factory.Settings["Macha:Knowledge:SeedNotes"] = "false";
        _client = _factory.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        await _ollama.DisposeAsync();
    }

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task AddSearchDelete_Note_RoundTrips()
    {
        var added = await _client.PostAsJsonAsync("/api/knowledge", new { title = "Backups on web1", text = "restic backs up /srv every night from a systemd timer", tags = new[] { "backup", "restic" } });
        var note = JsonDocument.Parse(await added.Content.ReadAsStringAsync()).RootElement;
        var id = note.GetProperty("id").GetString()!;
        var search = await SearchUntilFoundAsync("/api/knowledge/search?q=restic%20backup%20timer&collection=knowledge&limit=5", id);
        var deleted = await _client.DeleteAsync($"/api/knowledge/{id}");
        var deletedAgain = await _client.DeleteAsync($"/api/knowledge/{id}");

        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal($"/api/knowledge/{id}", added.Headers.Location?.OriginalString);
        Assert.Equal(["backup", "restic"], note.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var hit = search.EnumerateArray().Single();
        Assert.Equal(id, hit.GetProperty("id").GetString());
        Assert.Equal("knowledge", hit.GetProperty("collection").GetString());
        Assert.InRange(hit.GetProperty("similarity").GetDouble(), 0.2, 1);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, deletedAgain.StatusCode);
    }

    /// <summary>Searches until the record appears, because Chroma 1.0.0 can miss a record for a moment while it indexes it.</summary>
    private async Task<JsonElement> SearchUntilFoundAsync(string url, string id)
    {
        for (var attempt = 0; ; attempt++)
        {
            var result = await _client.GetFromJsonAsync<JsonElement>(url);
            if (attempt >= 150 || result.EnumerateArray().Any(hit => hit.GetProperty("id").GetString() == id))
            {
                return result;
            }

            await Task.Delay(200);
        }
    }

    [Theory]
    [InlineData("/api/knowledge/search", "'q' is required")]
    [InlineData("/api/knowledge/search?q=x&limit=0", "'limit' must be between 1 and 50")]
    [InlineData("/api/knowledge/search?q=x&collection=notes", "'collection' must be one of")]
    public async Task Search_InvalidQuery_ReturnsProblem(string url, string detail)
    {
        var response = await _client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(detail, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_InvalidNote_ReturnsValidationProblemPerField()
    {
        var response = await _client.PostAsJsonAsync("/api/knowledge", new { title = "", text = "x", tags = new[] { "has space" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("title", out _));
        Assert.True(errors.TryGetProperty("tags", out _));
        Assert.False(errors.TryGetProperty("text", out _));
    }

    [Fact]
    public async Task Dependencies_ChromaAnswers_ListsChromaDbAsOk()
    {
        var dependencies = await _client.GetFromJsonAsync<JsonElement>("/api/dependencies");

        var chroma = dependencies.EnumerateArray().Single(d => d.GetProperty("name").GetString() == "chromadb");
        Assert.Equal("ok", chroma.GetProperty("state").GetString());
        Assert.Contains("1.0.0", chroma.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_NotConfigured_Returns503()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/api/knowledge/search?q=nginx");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("Macha:Knowledge:ChromaUrl", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
