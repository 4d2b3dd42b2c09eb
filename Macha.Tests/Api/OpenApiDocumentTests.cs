using System.Net;
using Macha.Tests.Fakes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Macha.Tests.Api;

/// <summary>
/// The OpenAPI document served at /openapi/v1.json. The coverage check reads the app's own routes,
/// so an endpoint added later under /api without appearing in the document fails it.
/// </summary>
public sealed class OpenApiDocumentTests : IClassFixture<MachaWebFactory>
{
    private readonly MachaWebFactory _factory;

    public OpenApiDocumentTests(MachaWebFactory factory)
    {
        _factory = factory;
    }

    [Fact]
    public async Task Document_Always_ParsesWithoutErrors()
    {
        var result = await LoadAsync();

        Assert.Empty(result.Diagnostic?.Errors ?? []);
        Assert.NotNull(result.Document);
        Assert.Empty(result.Document.Validate(Microsoft.OpenApi.ValidationRuleSet.GetDefaultRuleSet()) ?? []);
    }

    [Fact]
    public async Task Document_Always_CoversEveryApiRoute()
    {
        var document = (await LoadAsync()).Document!;
        var documented = document.Paths
            .SelectMany(path => (path.Value.Operations ?? []).Keys.Select(method => $"{method.Method.ToUpperInvariant()} {path.Key}"))
            .ToHashSet(StringComparer.Ordinal);

        var routes = ApiRoutes().ToList();

        Assert.NotEmpty(routes);
        Assert.All(routes, route => Assert.Contains(route, documented));
    }

    [Fact]
    public async Task Document_EveryOperation_HasNameSummaryAndProblemResponses()
    {
        var document = (await LoadAsync()).Document!;

        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                var where = $"{method} {path}";
                Assert.False(string.IsNullOrWhiteSpace(operation.OperationId), $"{where} has no name (WithName).");
                Assert.False(string.IsNullOrWhiteSpace(operation.Summary), $"{where} has no summary (WithSummary).");
                Assert.Contains(operation.Responses!.Keys, status => status.StartsWith('2'));
                foreach (var (status, response) in operation.Responses!.Where(r => r.Key.StartsWith('4')))
                {
                    Assert.True(response.Content?.ContainsKey("application/problem+json") == true, $"{where} {status} is not a problem-details response.");
                }
            }
        }
    }

    [Fact]
    public async Task ReferencePage_Always_ServesHtmlThatLoadsTheDocument()
    {
        using var client = _factory.CreateClient();

        var response = await client.GetAsync(new Uri("/reference/v1", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("openapi/v1.json", html, StringComparison.Ordinal);
        Assert.Contains("\"withDefaultFonts\":false", html, StringComparison.Ordinal);

        // The page's script comes from the app itself, so the reference works without internet access.
        var script = await client.GetAsync(new Uri("/reference/scalar.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    private async Task<ReadResult> LoadAsync()
    {
        using var client = _factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var stream = await response.Content.ReadAsStreamAsync();
        return await OpenApiDocument.LoadAsync(stream, "json");
    }

    /// <summary>Every route under /api as "METHOD /path", with route constraints removed as OpenAPI writes them.</summary>
    private IEnumerable<string> ApiRoutes()
    {
        var endpoints = _factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        foreach (var endpoint in endpoints)
        {
            var pattern = endpoint.RoutePattern;
            var raw = "/" + pattern.RawText!.TrimStart('/');
            if (!raw.StartsWith("/api/", StringComparison.Ordinal) && raw != "/api")
            {
                continue;
            }

            var path = "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
            {
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart separator => separator.Content,
                _ => string.Empty,
            }))));
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [];
            Assert.True(methods.Count > 0, $"{path} accepts every HTTP method; map it with MapGet, MapPost or another single method.");
            foreach (var method in methods)
            {
                yield return $"{method} {path}";
            }
        }
    }
}
