using Macha.Web.Security;

namespace Macha.Web.Api;

/// <summary>
/// The REST API under /api. Each area maps its endpoints in its own <c>MapXxxEndpoints</c> method.
/// Conventions for every endpoint: TypedResults, a name (<c>WithName</c>, the OpenAPI operation id),
/// a summary, the problem-details responses it can return (<c>ProducesProblem</c>), and errors as
/// RFC 7807 problem details with a title and a detail that names what to change, and
/// <c>RequireAuthorization(MachaPolicies.Operate)</c> on every endpoint that changes something.
/// </summary>
internal static class ApiEndpoints
{
    public const string Prefix = "/api";

    public static IEndpointRouteBuilder MapMachaApi(this IEndpointRouteBuilder endpoints)
    {
        // Every endpoint needs Read; each one that changes something adds Operate itself.
        var api = endpoints.MapGroup(Prefix).RequireAuthorization(MachaPolicies.Read).WithAccessResponses();
        api.MapHealthEndpoints();
        api.MapSnapshotEndpoints();
        api.MapIncidentEndpoints();
        api.MapCycleEndpoints();
        api.MapAnalysisEndpoints();
        api.MapApprovalEndpoints();
        api.MapAutonomyEndpoints();
        api.MapAuditEndpoints();
        api.MapDependencyEndpoints();
        api.MapNotificationEndpoints();
        api.MapKnowledgeEndpoints();
        api.MapDiscussionEndpoints();
        api.MapSettingsEndpoints();
        api.MapHostEndpoints();
        return endpoints;
    }
}
