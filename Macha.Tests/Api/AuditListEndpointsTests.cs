using System.Net.Http.Json;
using System.Text.Json;
using Macha.Core.Storage.Audit;
using Macha.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Api;

/// <summary>GET /api/actions and /api/decisions on a fresh app per test, so seq numbers are known.</summary>
public sealed class AuditListEndpointsTests : IDisposable
{
    private static readonly Guid IncidentId = Guid.Parse("5d1c3c55-8a8f-4f53-9f8e-2f7b6f0c1a01");

    private readonly MachaWebFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task ListActions_NoCursor_ReturnsNewestFirst()
    {
        using var client = _factory.CreateClient();
        await AppendActionsAsync();

        var actions = await client.GetFromJsonAsync<JsonElement>("/api/actions");

        var seqs = actions.EnumerateArray().Select(a => a.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal([4L, 3L, 2L, 1L], seqs);
        Assert.Equal("action.failed", actions[0].GetProperty("type").GetString());
        Assert.Equal("nginx.service", actions[0].GetProperty("data").GetProperty("unit").GetString());
    }

    [Fact]
    public async Task ListActions_Before_ContinuesThePage()
    {
        using var client = _factory.CreateClient();
        await AppendActionsAsync();

        var page = await client.GetFromJsonAsync<JsonElement>("/api/actions?limit=2&before=3");

        Assert.Equal([2L, 1L], page.EnumerateArray().Select(a => a.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task ListActions_After_ReturnsOldestFirst()
    {
        using var client = _factory.CreateClient();
        await AppendActionsAsync();

        var page = await client.GetFromJsonAsync<JsonElement>("/api/actions?after=1&limit=2");

        Assert.Equal([2L, 3L], page.EnumerateArray().Select(a => a.GetProperty("seq").GetInt64()));
    }

    [Theory]
    [InlineData("type=action.failed", new long[] { 4 })]
    [InlineData("type=approval.", new long[] { 3 })]
    [InlineData("type=action.", new long[] { 4, 2, 1 })]
    [InlineData("host=web-2", new long[] { 2 })]
    [InlineData("incident=5d1c3c55-8a8f-4f53-9f8e-2f7b6f0c1a01", new long[] { 4, 1 })]
    [InlineData("until=2000-01-01T00:00:00Z", new long[0])]
    public async Task ListActions_Filter_ReturnsOnlyMatches(string query, long[] expected)
    {
        using var client = _factory.CreateClient();
        await AppendActionsAsync();

        var page = await client.GetFromJsonAsync<JsonElement>($"/api/actions?{query}");

        Assert.Equal(expected, page.EnumerateArray().Select(a => a.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task ListActions_NoFile_ReturnsEmpty()
    {
        using var client = _factory.CreateClient();

        var page = await client.GetFromJsonAsync<JsonElement>("/api/actions");

        Assert.Equal(0, page.GetArrayLength());
    }

    [Fact]
    public async Task ListDecisions_Always_ReadsDecisionsFile()
    {
        using var client = _factory.CreateClient();
        var audit = _factory.Services.GetRequiredService<IAuditLog>();
        await AppendActionsAsync();
        var entry = await audit.AppendAsync(AuditFile.Decisions, new AuditEvent(AuditEventTypes.Decision, "macha", "web-1", IncidentId, new() { ["state"] = "failed" }));

        var decisions = await client.GetFromJsonAsync<JsonElement>($"/api/decisions?type=decision&incident={IncidentId}");

        var decision = Assert.Single(decisions.EnumerateArray());
        Assert.Equal(entry.Seq, decision.GetProperty("seq").GetInt64());
        Assert.Equal(IncidentId, decision.GetProperty("incidentId").GetGuid());
        Assert.Equal("failed", decision.GetProperty("data").GetProperty("state").GetString());
    }

    [Fact]
    public async Task ListActions_BrokenLine_SkipsItAndListsTheRest()
    {
        using var client = _factory.CreateClient();
        await AppendActionsAsync();
        var path = _factory.Services.GetRequiredService<IAuditLog>().GetPath(AuditFile.Actions);
        var lines = await File.ReadAllLinesAsync(path);
        lines[1] = "{not json";
        await File.WriteAllLinesAsync(path, lines);

        var page = await client.GetFromJsonAsync<JsonElement>("/api/actions");

        Assert.Equal([4L, 3L, 1L], page.EnumerateArray().Select(a => a.GetProperty("seq").GetInt64()));
    }

    private async Task AppendActionsAsync()
    {
        var audit = _factory.Services.GetRequiredService<IAuditLog>();
        await audit.AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ActionQueued, "macha", "web-1", IncidentId, new() { ["unit"] = "nginx.service" }));
        await audit.AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ActionStarted, "macha", "web-2", null));
        await audit.AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ApprovalApproved, "alice", "web-1", null));
        await audit.AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ActionFailed, "macha", "web-1", IncidentId, new() { ["unit"] = "nginx.service" }));
    }
}
