using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Macha.Tests.Fakes;

namespace Macha.Tests.Api;

public sealed class AnalysisEndpointsTests : IClassFixture<MachaWebFactory>
{
    private readonly MachaWebFactory _factory;

    public AnalysisEndpointsTests(MachaWebFactory factory)
    {
        _factory = factory;
    }

    [Fact]
    public async Task GetQueue_NoRequests_ReturnsEmptyQueue()
    {
        using var client = _factory.CreateClient();

        var response = await client.GetAsync(new Uri("/api/analysis/queue", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var state = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, state.GetProperty("maxConcurrent").GetInt32());
        Assert.Equal(0, state.GetProperty("running").GetArrayLength());
        Assert.Equal(0, state.GetProperty("waiting").GetArrayLength());
        Assert.Equal(0, state.GetProperty("completedCount").GetInt64());
        Assert.Equal(0, state.GetProperty("timedOutCount").GetInt64());
    }
}
