using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Macha.Core.Approvals;
using Macha.Tests.Approvals;
using Macha.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Api;

/// <summary>
/// The approval endpoints on the whole web app. No test approves a runnable approval here, because the
/// app's inventory is the machine the tests run on. <see cref="ApprovalRunnerTests"/> covers running.
/// </summary>
public sealed class ApprovalEndpointsTests : IClassFixture<MachaWebFactory>
{
    private readonly MachaWebFactory _factory;

    public ApprovalEndpointsTests(MachaWebFactory factory)
    {
        _factory = factory;
    }

    [Fact]
    public async Task GetApproval_UnknownId_Returns404Problem()
    {
        using var client = _factory.CreateClient();

        var response = await client.GetAsync(new Uri($"/api/approvals/{Guid.NewGuid()}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("approve")]
    [InlineData("reject")]
    public async Task Decide_UnknownId_Returns404(string decision)
    {
        using var client = _factory.CreateClient();

        var response = await client.PostAsync(new Uri($"/api/approvals/{Guid.NewGuid()}/{decision}", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task GetApproval_Pending_ReturnsApprovalWithTransitions()
    {
        using var client = _factory.CreateClient();
        var id = await EnqueueAsync();

        var body = await client.GetFromJsonAsync<JsonElement>($"/api/approvals/{id}");

        Assert.Equal("Pending", body.GetProperty("approval").GetProperty("state").GetString());
        Assert.Equal("restart_unit", body.GetProperty("approval").GetProperty("proposal").GetProperty("kind").GetString());
        var transition = Assert.Single(body.GetProperty("transitions").EnumerateArray());
        Assert.Equal("Pending", transition.GetProperty("toState").GetString());
    }

    [Fact]
    public async Task Reject_Pending_Returns200Rejected()
    {
        using var client = _factory.CreateClient();
        var id = await EnqueueAsync();

        var response = await client.PostAsJsonAsync($"/api/approvals/{id}/reject", new { comment = "not now" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Rejected", body.GetProperty("state").GetString());
        Assert.Equal("local", body.GetProperty("decidedBy").GetString());
        var transitions = await _factory.Services.GetRequiredService<ApprovalQueue>().GetTransitionsAsync(id);
        Assert.Equal("not now", transitions[^1].Comment);
    }

    [Fact]
    public async Task Reject_WithoutBody_Returns200()
    {
        using var client = _factory.CreateClient();
        var id = await EnqueueAsync();

        var response = await client.PostAsync(new Uri($"/api/approvals/{id}/reject", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("approve")]
    [InlineData("reject")]
    public async Task Decide_AlreadyRejected_Returns409WithState(string decision)
    {
        using var client = _factory.CreateClient();
        var id = await EnqueueAsync();
        await _factory.Services.GetRequiredService<ApprovalQueue>().RejectAsync(id, "alice");

        var response = await client.PostAsync(new Uri($"/api/approvals/{id}/{decision}", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Rejected", problem.GetProperty("state").GetString());
    }

    [Theory]
    [InlineData("approve")]
    [InlineData("reject")]
    public async Task Decide_CommentTooLong_Returns400AndStaysPending(string decision)
    {
        using var client = _factory.CreateClient();
        var id = await EnqueueAsync();

        var response = await client.PostAsJsonAsync($"/api/approvals/{id}/{decision}", new { comment = new string('x', 2001) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var stored = await _factory.Services.GetRequiredService<ApprovalQueue>().GetAsync(id);
        Assert.Equal(ApprovalState.Pending, stored?.State);
    }

    [Fact]
    public async Task Reject_CommentAtLimit_Returns200()
    {
        using var client = _factory.CreateClient();
        var id = await EnqueueAsync();

        var response = await client.PostAsJsonAsync($"/api/approvals/{id}/reject", new { comment = new string('x', 2000) });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("state=Bogus")]
    [InlineData("state=1")]
    [InlineData("state=Pending,Rejected")]
    [InlineData("page=0")]
    [InlineData("pageSize=0")]
    [InlineData("pageSize=501")]
    [InlineData("page=abc")]
    [InlineData("pageSize=1e3")]
    [InlineData("since=yesterday")]
    [InlineData("until=2026-13-01T00:00:00Z")]
    [InlineData("since=2026-12-05T10:00:00Z&until=2026-12-05T09:00:00Z")]
    public async Task ListApprovals_InvalidQuery_Returns400Problem(string query)
    {
        using var client = _factory.CreateClient();
        var parameter = query[..query.IndexOf('=', StringComparison.Ordinal)];

        var response = await client.GetAsync(new Uri($"/api/approvals?{query}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains($"'{parameter}'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListApprovals_HostFilter_ReturnsOnlyThatHost()
    {
        using var client = _factory.CreateClient();
        var host = $"web-{Guid.NewGuid():N}";
        var mine = await EnqueueAsync(host);
        var other = await EnqueueAsync();

        var body = await client.GetFromJsonAsync<JsonElement>($"/api/approvals?host={host}");

        var ids = body.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("id").GetGuid()).ToList();
        Assert.Equal([mine], ids);
        Assert.Equal(1, body.GetProperty("totalCount").GetInt32());
        Assert.NotEqual(other, mine);
    }

    [Fact]
    public async Task ListApprovals_SinceUntil_FilterCreationTime()
    {
        using var client = _factory.CreateClient();
        var host = $"web-{Guid.NewGuid():N}";
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var id = await EnqueueAsync(host);
        var after = DateTimeOffset.UtcNow.AddSeconds(1);

        var inside = await ListIdsAsync(client, $"host={host}&since={Uri.EscapeDataString(before.ToString("O"))}&until={Uri.EscapeDataString(after.ToString("O"))}");
        var untilBefore = await ListIdsAsync(client, $"host={host}&until={Uri.EscapeDataString(before.ToString("O"))}");
        var sinceAfter = await ListIdsAsync(client, $"host={host}&since={Uri.EscapeDataString(after.ToString("O"))}");

        Assert.Equal([id], inside);
        Assert.Empty(untilBefore);
        Assert.Empty(sinceAfter);
    }

    [Fact]
    public async Task ListApprovals_StateFilter_ReturnsOnlyThatState()
    {
        using var client = _factory.CreateClient();
        var pending = await EnqueueAsync();
        var rejected = await EnqueueAsync();
        await _factory.Services.GetRequiredService<ApprovalQueue>().RejectAsync(rejected, "alice");

        var body = await client.GetFromJsonAsync<JsonElement>("/api/approvals?state=pending&pageSize=500");

        var ids = body.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("id").GetGuid()).ToList();
        Assert.Contains(pending, ids);
        Assert.DoesNotContain(rejected, ids);
        Assert.All(body.GetProperty("items").EnumerateArray(), a => Assert.Equal("Pending", a.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task ListApprovals_PageSizeOne_ReturnsOneItemAndTotal()
    {
        using var client = _factory.CreateClient();
        await EnqueueAsync();
        await EnqueueAsync();

        var body = await client.GetFromJsonAsync<JsonElement>("/api/approvals?page=1&pageSize=1");

        Assert.Single(body.GetProperty("items").EnumerateArray());
        Assert.True(body.GetProperty("totalCount").GetInt32() >= 2);
        Assert.Equal(1, body.GetProperty("pageSize").GetInt32());
    }

    // Each test queues its own approvals under a fresh dedup key, because the tests share one app and database.
    private async Task<Guid> EnqueueAsync(string hostName = "test-host")
    {
        var proposal = """{"kind":"restart_unit","unit":"nginx.service","reason":"nginx.service failed.","expected_effect":"nginx.service is active.","undo":"None needed."}""";
        var request = ApprovalTestData.Request($"restart-unit:{hostName}:{Guid.NewGuid()}") with { ProposalJson = proposal, HostName = hostName };
        var result = await _factory.Services.GetRequiredService<ApprovalQueue>().EnqueueAsync(request);
        return result.Approval.Id;
    }

    private static async Task<List<Guid>> ListIdsAsync(HttpClient client, string query)
    {
        var body = await client.GetFromJsonAsync<JsonElement>($"/api/approvals?{query}");
        return body.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("id").GetGuid()).ToList();
    }
}
