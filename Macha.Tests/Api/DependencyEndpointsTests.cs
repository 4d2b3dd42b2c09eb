using System.Net.Http.Json;
using System.Text.Json;
using Macha.Tests.Fakes;

namespace Macha.Tests.Api;

public sealed class DependencyEndpointsTests : IDisposable
{
    private readonly MachaWebFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task GetDependencies_DefaultConfiguration_ListsEachDependency()
    {
        using var client = _factory.CreateClient();

        var body = await client.GetFromJsonAsync<JsonElement>("/api/dependencies");

        var byName = body.EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!);
        Assert.Equal(["ollama", "chromadb", "gotify", "hosts"], byName.Keys);
        Assert.Equal("not-configured", byName["ollama"].GetProperty("state").GetString());
        Assert.Contains("Macha:Analysis:Enabled", byName["ollama"].GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(byName["hosts"].GetProperty("state").GetString(), new[] { "ok", "degraded", "down" });
        Assert.True(byName["hosts"].GetProperty("checkedAt").GetDateTimeOffset() > DateTimeOffset.UnixEpoch);
    }
}
