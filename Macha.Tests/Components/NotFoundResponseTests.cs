using System.Net;
using Macha.Core.Approvals;
using Macha.Core.Hosts;
using Macha.Tests.Approvals;
using Macha.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Components;

/// <summary>
/// Detail pages for items that do not exist: status 404 over HTTP, with the page's own message as the
/// body. The status page responds with the status it shows.
/// </summary>
public sealed class NotFoundResponseTests : IClassFixture<MachaWebFactory>
{
    private const string UnknownId = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

    private readonly MachaWebFactory _factory;

    public NotFoundResponseTests(MachaWebFactory factory)
    {
        _factory = factory;
    }

    [Theory]
    [InlineData("/hosts/nope", "No host is named nope")]
    [InlineData("/incidents/" + UnknownId, "No incident with id " + UnknownId + " exists")]
    [InlineData("/approvals/" + UnknownId, "No approval with id " + UnknownId + " exists")]
    public async Task DetailPage_UnknownItem_Returns404WithItsMessage(string url, string message)
    {
        using var client = _factory.CreateClient();

        var response = await GetPageAsync(client, url);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains(message, html, StringComparison.Ordinal);
        Assert.DoesNotContain("Page not found", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/status/999")]
    [InlineData("/status/200")]
    [InlineData("/status/0")]
    [InlineData("/status/-1")]
    [InlineData("/status/404")]
    public async Task StatusPage_UnknownOrNotFoundCode_Returns404(string url)
    {
        using var client = _factory.CreateClient();

        var response = await GetPageAsync(client, url);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Page not found", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(503)]
    public async Task StatusPage_ErrorCode_ReturnsThatCode(int code)
    {
        using var client = _factory.CreateClient();

        var response = await GetPageAsync(client, $"/status/{code}");

        Assert.Equal(code, (int)response.StatusCode);
        Assert.Contains($"The server answered with status {code}.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostPage_KnownHost_Returns200()
    {
        using var client = _factory.CreateClient();
        var host = _factory.Services.GetRequiredService<HostRegistry>().List()[0].Name;

        var response = await GetPageAsync(client, $"/hosts/{Uri.EscapeDataString(host)}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("No host is named", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApprovalPage_KnownApproval_Returns200()
    {
        using var client = _factory.CreateClient();
        var request = ApprovalTestData.Request($"restart-unit:test-host:{Guid.NewGuid()}");
        var approval = (await _factory.Services.GetRequiredService<ApprovalQueue>().EnqueueAsync(request)).Approval;

        var response = await GetPageAsync(client, $"/approvals/{approval.Id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("No approval with id", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> GetPageAsync(HttpClient client, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/html");
        return await client.SendAsync(request);
    }
}
