using System.Net;
using System.Reflection;
using Macha.Tests.Fakes;
using Macha.Tests.Security;
using Macha.Web.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
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
    private const string DocumentUrl = "/openapi/v1.json";

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

        var routes = ApiEndpoints().Select(pair => pair.Route).ToList();

        Assert.NotEmpty(routes);
        Assert.All(routes, route => Assert.Contains(route, documented));
    }

    [Fact]
    public async Task Document_EveryApiEndpoint_HasTagNameSummaryAndAccessResponses()
    {
        var document = (await LoadAsync()).Document!;
        var endpoints = ApiEndpoints().ToList();
        var faults = new List<string>();

        foreach (var (route, endpoint) in endpoints)
        {
            if (FindOperation(document, route) is not { } operation)
            {
                faults.Add($"{route} is not in the OpenAPI document.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(operation.OperationId))
            {
                faults.Add($"{route} has no operation id (WithName).");
            }

            if (string.IsNullOrWhiteSpace(operation.Summary))
            {
                faults.Add($"{route} has no summary (WithSummary).");
            }

            var tags = operation.Tags?.Select(tag => tag.Name).ToList() ?? [];
            if (tags.Count != 1 || tags[0]!.EndsWith("Endpoints", StringComparison.Ordinal))
            {
                faults.Add($"{route} has the tags [{string.Join(", ", tags)}]; it needs one tag that names its area.");
            }

            var responses = operation.Responses!;
            if (!responses.Keys.Any(status => status.StartsWith('2')))
            {
                faults.Add($"{route} declares no success response.");
            }

            if (!responses.ContainsKey("401"))
            {
                faults.Add($"{route} does not declare 401.");
            }

            var needsOperate = Policies(endpoint).Contains(MachaPolicies.Operate);
            if (needsOperate != responses.ContainsKey("403"))
            {
                faults.Add(needsOperate
                    ? $"{route} needs the operate policy and does not declare 403."
                    : $"{route} needs only the read policy and declares 403, which no signed-in caller can get.");
            }
        }

        Assert.NotEmpty(endpoints);
        Assert.Empty(faults);
    }

    [Fact]
    public async Task Document_EveryApiEndpoint_DeclaresItsProblemResponses()
    {
        var document = (await LoadAsync()).Document!;
        var faults = new List<string>();

        foreach (var (route, endpoint) in ApiEndpoints())
        {
            var operation = FindOperation(document, route)!;
            var responses = operation.Responses!;
            foreach (var (status, response) in responses.Where(r => r.Key.StartsWith('4')))
            {
                if (response.Content?.ContainsKey("application/problem+json") != true)
                {
                    faults.Add($"{route} {status} is not a problem-details response.");
                }
            }

            // A query or route value or a body that does not parse gets a 400 before the handler runs.
            // Any text parses as a string, so only typed values count, such as a GUID in the route.
            var takesTypedInput = operation.RequestBody is not null || operation.Parameters?.Any(parameter =>
                parameter.In is ParameterLocation.Query or ParameterLocation.Path
                && (parameter.Schema?.Type != JsonSchemaType.String || parameter.Schema?.Format is not null)) == true;
            if (takesTypedInput && !responses.ContainsKey("400"))
            {
                faults.Add($"{route} takes a typed query or route value or a body and does not declare 400.");
            }

            if (operation.Parameters?.Any(parameter => parameter.In == ParameterLocation.Path) == true && !responses.ContainsKey("404"))
            {
                faults.Add($"{route} reads a route value and does not declare 404.");
            }

            // A handler that can return a problem must declare at least one error status for it.
            var returnsProblem = endpoint.Metadata.GetMetadata<MethodInfo>()?.ReturnType.ToString().Contains(nameof(ProblemHttpResult), StringComparison.Ordinal) == true;
            var declaresProblem = responses.Any(r => r.Key is not ("401" or "403") && r.Value.Content?.ContainsKey("application/problem+json") == true);
            if (returnsProblem && !declaresProblem)
            {
                faults.Add($"{route} returns problem details and declares none of their statuses (ProducesProblem).");
            }
        }

        Assert.Empty(faults);
    }

    [Fact]
    public async Task Document_SignedOut_Returns401()
    {
        using var factory = new SecuredWebFactory();
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var document = await client.GetAsync(new Uri(DocumentUrl, UriKind.Relative));
        var reference = await client.GetAsync(new Uri("/reference/v1", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, document.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, reference.StatusCode);
        Assert.Contains("/signin?returnUrl=%2Freference", reference.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Document_ReadToken_IsServed()
    {
        using var factory = new SecuredWebFactory();
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", factory.ReadToken.Token);

        var response = await client.GetAsync(new Uri(DocumentUrl, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"openapi\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
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
        using var response = await client.GetAsync(new Uri(DocumentUrl, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var stream = await response.Content.ReadAsStreamAsync();
        return await OpenApiDocument.LoadAsync(stream, "json");
    }

    private static OpenApiOperation? FindOperation(OpenApiDocument document, string route)
    {
        var (method, path) = (route[..route.IndexOf(' ', StringComparison.Ordinal)], route[(route.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        return document.Paths.TryGetValue(path, out var item)
            ? item.Operations?.FirstOrDefault(operation => string.Equals(operation.Key.Method, method, StringComparison.OrdinalIgnoreCase)).Value
            : null;
    }

    private static HashSet<string?> Policies(Endpoint endpoint) =>
        endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(data => data.Policy).ToHashSet();

    /// <summary>
    /// Every endpoint under /api in the app's endpoint data source, as "METHOD /path" with route
    /// constraints removed as OpenAPI writes them.
    /// </summary>
    private IEnumerable<(string Route, RouteEndpoint Endpoint)> ApiEndpoints()
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
                yield return ($"{method} {path}", endpoint);
            }
        }
    }
}
