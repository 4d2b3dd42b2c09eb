using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Macha.Tests.Fakes;

namespace Macha.Tests.Analysis.ModelClient;

public sealed class FakeOllamaServerTests
{
    [Fact]
    public async Task Endpoints_Scripted_ReplayInOrderAndRecordBodies()
    {
        await using var server = await FakeOllamaServer.StartAsync();
        server.Enqueue(FakeOllamaServer.Tags, FakeOllamaResponses.Tags("qwen3:8b", "nomic-embed-text"))
            .Enqueue(FakeOllamaServer.Version, FakeOllamaResponses.VersionOf("0.9.2"))
            .Enqueue(FakeOllamaServer.Show, FakeOllamaResponses.Show("qwen3", "completion", "tools"))
            .Enqueue(FakeOllamaServer.Embed, FakeOllamaResponses.Embeddings("nomic-embed-text", [0.1f, 0.2f]));
        using var http = new HttpClient { BaseAddress = server.Uri };

        var tags = await http.GetFromJsonAsync<JsonElement>("api/tags");
        var version = await http.GetFromJsonAsync<JsonElement>("api/version");
        using var show = await http.PostAsJsonAsync("api/show", new { model = "qwen3:8b" });
        using var embed = await http.PostAsJsonAsync("api/embed", new { model = "nomic-embed-text", input = new[] { "disk full" } });

        Assert.Equal("qwen3:8b", tags.GetProperty("models")[0].GetProperty("name").GetString());
        Assert.Equal("0.9.2", version.GetProperty("version").GetString());
        Assert.Equal("tools", (await show.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("capabilities")[1].GetString());
        Assert.Equal(2, (await embed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("embeddings")[0].GetArrayLength());
        Assert.Equal("disk full", server.RequestBodies(FakeOllamaServer.Embed)[0].GetProperty("input")[0].GetString());
        Assert.Equal([FakeOllamaServer.Tags, FakeOllamaServer.Version, FakeOllamaServer.Show, FakeOllamaServer.Embed], server.Requests.Select(request => request.Path));
    }

    [Fact]
    public async Task Chat_NothingScripted_ReturnsServerErrorNamingEndpoint()
    {
        await using var server = await FakeOllamaServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Uri };

        using var response = await http.PostAsJsonAsync("api/chat", new { model = "qwen3:8b" });

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("/api/chat", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_ErrorScripted_SendsBodyUnchanged()
    {
        await using var server = await FakeOllamaServer.StartAsync();
        server.EnqueueChat(FakeOllamaResponses.ModelNotFound());
        using var http = new HttpClient { BaseAddress = server.Uri };

        using var response = await http.PostAsJsonAsync("api/chat", new { model = "mistral" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("""{"error":"model \"mistral\" not found, try pulling it first"}""", await response.Content.ReadAsStringAsync());
    }
}
