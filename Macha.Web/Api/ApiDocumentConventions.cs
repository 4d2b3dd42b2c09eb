using Macha.Web.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Macha.Web.Api;

/// <summary>
/// Adds the OpenAPI metadata that follows from where an endpoint sits and which policies guard it,
/// so an endpoint cannot forget it: a tag named after its area (when it sets none), a 401 problem
/// response on every endpoint, and a 403 problem response on every endpoint that needs the operate
/// policy. Read-only endpoints declare no 403 because every principal that passes authentication
/// carries the read scope (a token's scopes are read or operate, and operate implies read).
/// </summary>
internal static class ApiDocumentConventions
{
    private const string ProblemContentType = "application/problem+json";

    /// <summary>Applies the conventions to every endpoint of the group, after the endpoint's own conventions have run.</summary>
    public static RouteGroupBuilder WithAccessResponses(this RouteGroupBuilder api)
    {
        // Finally is a default interface method, so it is reached through the interface.
        ((IEndpointConventionBuilder)api).Finally(Apply);
        return api;
    }

    private static void Apply(EndpointBuilder endpoint)
    {
        var metadata = endpoint.Metadata;
        if (!metadata.OfType<ITagsMetadata>().Any() && endpoint is RouteEndpointBuilder route && AreaOf(route.RoutePattern) is { } area)
        {
            // Without a tag the generator names the group after the mapping class, such as "KnowledgeEndpoints".
            metadata.Add(new TagsAttribute(area));
        }

        metadata.Add(Problem(StatusCodes.Status401Unauthorized));
        if (metadata.OfType<IAuthorizeData>().Any(data => data.Policy == MachaPolicies.Operate))
        {
            metadata.Add(Problem(StatusCodes.Status403Forbidden));
        }
    }

    private static ProducesResponseTypeMetadata Problem(int statusCode) =>
        new(statusCode, typeof(ProblemDetails), [ProblemContentType]);

    /// <summary>Returns the first literal path segment after /api with a capital first letter: /api/hosts/{name} is "Hosts".</summary>
    internal static string? AreaOf(RoutePattern pattern)
    {
        var literals = pattern.PathSegments
            .Select(segment => segment.Parts is [RoutePatternLiteralPart literal] ? literal.Content : null)
            .ToList();
        var area = literals.Count > 1 && string.Equals(literals[0], ApiEndpoints.Prefix.TrimStart('/'), StringComparison.OrdinalIgnoreCase)
            ? literals[1]
            : null;
        return string.IsNullOrEmpty(area) ? null : char.ToUpperInvariant(area[0]) + area[1..];
    }
}
