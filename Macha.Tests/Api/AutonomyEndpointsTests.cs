using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Macha.Tests.Fakes;

namespace Macha.Tests.Api;

/// <summary>The autonomy endpoints on the whole web app, with its own data directory per test.</summary>
public sealed class AutonomyEndpointsTests
{
    [Fact]
    public async Task PauseThenResume_ReportsEachState()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();

        var initial = await client.GetFromJsonAsync<JsonElement>("/api/autonomy");
        var paused = await client.PostAsJsonAsync("/api/autonomy/pause", new { reason = "disk swap" });
        var whilePaused = await client.GetFromJsonAsync<JsonElement>("/api/autonomy");
        var resumed = await client.PostAsync(new Uri("/api/autonomy/resume", UriKind.Relative), null);
        var afterResume = await resumed.Content.ReadFromJsonAsync<JsonElement>();

        Assert.False(initial.GetProperty("paused").GetBoolean());
        Assert.Equal("Suggest", initial.GetProperty("configuredLevel").GetString());
        Assert.Equal("Suggest", initial.GetProperty("effectiveLevel").GetString());
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        Assert.True(whilePaused.GetProperty("paused").GetBoolean());
        Assert.Equal("Observe", whilePaused.GetProperty("effectiveLevel").GetString());
        Assert.Equal("Suggest", whilePaused.GetProperty("configuredLevel").GetString());
        Assert.Equal("local", whilePaused.GetProperty("pausedBy").GetString());
        Assert.Equal("disk swap", whilePaused.GetProperty("reason").GetString());
        Assert.NotEqual(JsonValueKind.Null, whilePaused.GetProperty("pausedAt").ValueKind);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.False(afterResume.GetProperty("paused").GetBoolean());
        Assert.Equal("Suggest", afterResume.GetProperty("effectiveLevel").GetString());
        var decisions = await File.ReadAllTextAsync(Path.Combine(factory.DataDirectory, "decisions.jsonl"));
        Assert.Contains("\"type\":\"autonomy.paused\"", decisions, StringComparison.Ordinal);
        Assert.Contains("\"type\":\"autonomy.resumed\"", decisions, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pause_WithoutBody_Pauses()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();

        var response = await client.PostAsync(new Uri("/api/autonomy/pause", UriKind.Relative), null);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.GetProperty("paused").GetBoolean());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("reason").ValueKind);
    }

    [Fact]
    public async Task Pause_ReasonTooLong_Returns400AndStaysUnpaused()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();

        var response = await client.PostAsJsonAsync("/api/autonomy/pause", new { reason = new string('x', 501) });
        var state = await client.GetFromJsonAsync<JsonElement>("/api/autonomy");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("at most 500 characters", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(state.GetProperty("paused").GetBoolean());
    }
}
