using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Macha.Core.Approvals;
using Macha.Tests.Approvals;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Security;

/// <summary>The API and the dashboard with users and tokens configured: who gets in and what each one may do.</summary>
public sealed class AccessControlTests : IClassFixture<SecuredWebFactory>
{
    private readonly SecuredWebFactory _factory;

    public AccessControlTests(SecuredWebFactory factory)
    {
        _factory = factory;
    }

    [Theory]
    [InlineData("GET", "/api/cycles")]
    [InlineData("GET", "/api/approvals")]
    [InlineData("GET", "/api/health")]
    [InlineData("POST", "/api/cycles")]
    public async Task Api_NoCredentials_Returns401Problem(string method, string path)
    {
        using var client = _factory.CreateBrowserClient();

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("Authorization: Bearer", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_UnknownToken_Returns401WithBearerChallenge()
    {
        using var client = ClientWith("macha_not-a-configured-token");

        var response = await client.GetAsync(new Uri("/api/cycles", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("matches no configured API token", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_ReadTokenOnGet_Returns200()
    {
        using var client = ClientWith(_factory.ReadToken.Token);

        var response = await client.GetAsync(new Uri("/api/approvals", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/cycles")]
    [InlineData("/api/approvals/{id}/approve")]
    [InlineData("/api/approvals/{id}/reject")]
    public async Task Api_ReadTokenOnOperateEndpoint_Returns403Problem(string path)
    {
        using var client = ClientWith(_factory.ReadToken.Token);
        var id = await EnqueueAsync();

        var response = await client.PostAsync(new Uri(path.Replace("{id}", id.ToString(), StringComparison.Ordinal), UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains($"'{SecuredWebFactory.ReadTokenName}'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var stored = await _factory.Services.GetRequiredService<ApprovalQueue>().GetAsync(id);
        Assert.Equal(ApprovalState.Pending, stored?.State);
    }

    [Fact]
    public async Task Reject_OperateToken_RecordsTokenAsActor()
    {
        using var client = ClientWith(_factory.OperateToken.Token);
        var id = await EnqueueAsync();

        var response = await client.PostAsJsonAsync($"/api/approvals/{id}/reject", new { comment = "not now" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"token:{SecuredWebFactory.OperateTokenName}", body.GetProperty("decidedBy").GetString());
        var transitions = await _factory.Services.GetRequiredService<ApprovalQueue>().GetTransitionsAsync(id);
        Assert.Equal($"token:{SecuredWebFactory.OperateTokenName}", transitions[^1].Actor);
    }

    [Fact]
    public async Task StartCycle_OperateToken_Returns202()
    {
        using var client = ClientWith(_factory.OperateToken.Token);

        var response = await client.PostAsync(new Uri("/api/cycles", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Dashboard_NoCredentials_RedirectsToSignIn()
    {
        using var client = _factory.CreateBrowserClient();

        var response = await client.GetAsync(new Uri("/?host=web-1", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("http://localhost/signin?", location, StringComparison.Ordinal);
        Assert.Contains("returnUrl=%2F%3Fhost%3Dweb-1", location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownPage_NoCredentials_KeepsReturnUrl()
    {
        using var client = _factory.CreateBrowserClient();

        var response = await client.GetAsync(new Uri("/nonexistent?x=1", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("http://localhost/signin?", location, StringComparison.Ordinal);
        Assert.Contains("returnUrl=%2Fnonexistent%3Fx%3D1", location, StringComparison.Ordinal);
        Assert.DoesNotContain("status", location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownPage_ReadToken_Returns404Page()
    {
        using var client = ClientWith(_factory.ReadToken.Token);

        var response = await client.GetAsync(new Uri("/nonexistent", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Page not found", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_ReadToken_Returns200()
    {
        using var client = ClientWith(_factory.ReadToken.Token);

        var response = await client.GetAsync(new Uri("/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task SignInPage_NoCredentials_IsServed()
    {
        using var client = _factory.CreateBrowserClient();

        var response = await client.GetAsync(new Uri("/signin", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<form method=\"post\" action=\"/signin\">", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private HttpClient ClientWith(string token)
    {
        var client = _factory.CreateBrowserClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task<Guid> EnqueueAsync()
    {
        var request = ApprovalTestData.Request($"restart-unit:test-host:{Guid.NewGuid()}");
        var result = await _factory.Services.GetRequiredService<ApprovalQueue>().EnqueueAsync(request);
        return result.Approval.Id;
    }
}
