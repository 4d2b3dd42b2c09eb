using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Macha.Tests.Fakes;

namespace Macha.Tests.Api;

/// <summary>Errors raised before an endpoint runs, and the paging and filter rules that every list shares.</summary>
public sealed class ApiConventionsTests : IClassFixture<MachaWebFactory>
{
    private readonly MachaWebFactory _factory;

    public ApiConventionsTests(MachaWebFactory factory)
    {
        _factory = factory;
    }

    [Theory]
    [InlineData("/api/findings?limit=abc", "'limit'", "whole number")]
    [InlineData("/api/snapshots?offset=1.5", "'offset'", "whole number")]
    [InlineData("/api/findings?since=yesterday-ish", "'since'", "ISO 8601")]
    [InlineData("/api/incidents?until=soon", "'until'", "ISO 8601")]
    [InlineData("/api/actions?after=x", "'after'", "whole number")]
    [InlineData("/api/decisions?incident=not-a-guid", "'incident'", "GUID")]
    [InlineData("/api/approvals?page=abc", "'page'", "whole number")]
    [InlineData("/api/approvals?since=soon", "'since'", "ISO 8601")]
    [InlineData("/api/knowledge/search?q=disk&limit=abc", "'limit'", "whole number")]
    [InlineData("/api/cycles?limit=ten", "'limit'", "whole number")]
    [InlineData("/api/incidents?offset=x", "'offset'", "whole number")]
    public async Task Query_Unparsable_Returns400ProblemNamingTheParameter(string url, string parameter, string expectedForm)
    {
        using var client = _factory.CreateClient();

        var response = await client.GetAsync(new Uri(url, UriKind.Relative));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("Invalid request", problem.GetProperty("title").GetString());
        var detail = problem.GetProperty("detail").GetString();
        Assert.Contains(parameter, detail, StringComparison.Ordinal);
        Assert.Contains(expectedForm, detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/snapshots?limit=0", "'limit'")]
    [InlineData("/api/incidents?limit=501", "'limit'")]
    [InlineData("/api/cycles?offset=-1", "'offset'")]
    [InlineData("/api/findings?since=2026-12-04T10:00:00Z&until=2026-12-04T09:00:00Z", "'since'")]
    [InlineData("/api/findings?severity=Bad", "'severity'")]
    [InlineData("/api/incidents?severity=2", "'severity'")]
    [InlineData("/api/incidents?state=Closed", "'state'")]
    [InlineData("/api/cycles?state=Done", "'state'")]
    [InlineData("/api/actions?limit=0", "'limit'")]
    [InlineData("/api/actions?after=-1", "'after'")]
    [InlineData("/api/decisions?after=1&before=5", "'after'")]
    public async Task Query_OutOfRange_Returns400ProblemNamingTheParameter(string url, string parameter)
    {
        using var client = _factory.CreateClient();

        var response = await client.GetAsync(new Uri(url, UriKind.Relative));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(parameter, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Url_TooLong_Returns414Problem()
    {
        using var client = _factory.CreateClient();

        var response = await client.GetAsync(new Uri("/api/findings?host=" + new string('a', 9000), UriKind.Relative));

        var problem = await AssertProblemAsync(response, HttpStatusCode.RequestUriTooLong);
        Assert.Contains("8192", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/nothing-here")]
    [InlineData("/api/incidents/not-a-guid/extra")]
    [InlineData("/api")]
    public async Task UnknownApiRoute_Returns404ProblemNotThePage(string url)
    {
        using var client = _factory.CreateClient();

        var response = await client.GetAsync(new Uri(url, UriKind.Relative));

        var problem = await AssertProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Contains("/openapi/v1.json", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/api/incidents/not-a-guid")]
    [InlineData("GET", "/api/incidents/not-a-guid/analyses")]
    [InlineData("GET", "/api/incidents/not-a-guid/discussion")]
    [InlineData("POST", "/api/incidents/not-a-guid/discussion")]
    [InlineData("GET", "/api/approvals/xyz")]
    [InlineData("POST", "/api/approvals/xyz/approve")]
    [InlineData("POST", "/api/approvals/xyz/reject")]
    [InlineData("GET", "/api/approvals/xyz/discussion")]
    [InlineData("POST", "/api/approvals/xyz/discussion")]
    [InlineData("GET", "/api/cycles/12345")]
    public async Task RouteId_NotAGuid_Returns400Problem(string method, string url)
    {
        using var client = _factory.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(url, UriKind.Relative));

        var response = await client.SendAsync(request);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        var detail = problem.GetProperty("detail").GetString();
        Assert.Contains("'id'", detail, StringComparison.Ordinal);
        Assert.Contains("a GUID such as", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/nothing-here")]
    [InlineData("/approvals/not-a-guid/extra")]
    [InlineData("/incidents/not-a-guid")]
    public async Task UnknownPage_Get_ReturnsDashboardNotFoundPage(string url)
    {
        using var client = _factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Page not found", html, StringComparison.Ordinal);
        Assert.Contains("<link rel=\"stylesheet\"", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("POST", "/nothing-here")]
    [InlineData("POST", "/a/b/c.txt")]
    [InlineData("PUT", "/nothing-here")]
    [InlineData("DELETE", "/approvals/not-a-guid/extra")]
    public async Task UnknownPage_OtherMethod_Returns404Problem(string method, string url)
    {
        using var client = _factory.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(url, UriKind.Relative));

        var response = await client.SendAsync(request);

        // A POST is never run again as a page, so the body is a problem, not the dashboard's page.
        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task KnownPage_Delete_Returns405Problem()
    {
        using var client = _factory.CreateClient();

        var response = await client.DeleteAsync(new Uri("/approvals", UriKind.Relative));

        await AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task WrongMethod_Returns405Problem()
    {
        using var client = _factory.CreateClient();

        var response = await client.DeleteAsync(new Uri("/api/approvals", UriKind.Relative));

        var problem = await AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed);
        Assert.Contains("DELETE", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Body_NotJson_Returns400Problem()
    {
        using var client = _factory.CreateClient();
        using var content = new StringContent("{comment", Encoding.UTF8, "application/json");

        var response = await client.PostAsync(new Uri($"/api/approvals/{Guid.NewGuid()}/reject", UriKind.Relative), content);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("not valid JSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Body_WrongMediaType_Returns415Problem()
    {
        using var client = _factory.CreateClient();
        using var content = new StringContent("comment", Encoding.UTF8, "text/plain");

        var response = await client.PostAsync(new Uri($"/api/approvals/{Guid.NewGuid()}/reject", UriKind.Relative), content);

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task ListCycles_OffsetPastTheFirst_SkipsIt()
    {
        using var client = _factory.CreateClient();
        await client.PostAsync(new Uri("/api/cycles", UriKind.Relative), null);
        await client.PostAsync(new Uri("/api/cycles", UriKind.Relative), null);

        var first = await client.GetFromJsonAsync<JsonElement>("/api/cycles?limit=2");
        var second = await client.GetFromJsonAsync<JsonElement>("/api/cycles?limit=1&offset=1");

        Assert.Equal(2, first.GetArrayLength());
        Assert.Equal(first[1].GetProperty("id").GetGuid(), Assert.Single(second.EnumerateArray()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task ListCycles_UntilBeforeEverything_ReturnsNone()
    {
        using var client = _factory.CreateClient();
        await client.PostAsync(new Uri("/api/cycles", UriKind.Relative), null);

        var runs = await client.GetFromJsonAsync<JsonElement>("/api/cycles?until=2000-01-01T00:00:00Z");

        Assert.Equal(0, runs.GetArrayLength());
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem;
    }
}
