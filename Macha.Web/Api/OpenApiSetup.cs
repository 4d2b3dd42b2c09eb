using Macha.Web.Security;
using Scalar.AspNetCore;

namespace Macha.Web.Api;

/// <summary>The OpenAPI document of the REST API and the interactive reference page that reads it.</summary>
internal static class OpenApiSetup
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";

    /// <summary>Where the interactive reference is served; the page for the document is ReferencePath/v1.</summary>
    public const string ReferencePath = "/reference";

    public static IServiceCollection AddMachaOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            // Only the REST API: the dashboard's Blazor endpoints are not part of it.
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Macha REST API";
                document.Info.Description = "Health, findings, incidents, cycles, approvals and the audit trail of a Macha instance. "
                    + "Errors are RFC 7807 problem details.";
                return Task.CompletedTask;
            });
        });

    public static IEndpointRouteBuilder MapMachaOpenApi(this IEndpointRouteBuilder endpoints)
    {
        // Behind the read policy like the API itself: the document and the page reveal nothing that a
        // reader of the API could not see, but they have no reason to be open to anyone else either.
        endpoints.MapOpenApi().RequireAuthorization(MachaPolicies.Read);
        endpoints.MapScalarApiReference(ReferencePath, options => options
            .WithTitle("Macha REST API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            // The page must work on a network without internet access, so it loads no web fonts from Scalar's CDN.
            .DisableDefaultFonts())
            .RequireAuthorization(MachaPolicies.Read);
        return endpoints;
    }
}
