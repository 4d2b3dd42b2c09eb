using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Macha.Web.Api;

internal static class HealthEndpoints
{
    public static RouteGroupBuilder MapHealthEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/health", GetHealthAsync)
            .WithTags("Health")
            .WithName("GetHealth")
            .WithSummary("Get liveness and the status of each dependency")
            .WithDescription("Degraded still answers 200, because Macha itself is alive; only an unhealthy dependency answers 503.")
            .Produces<HealthResponse>()
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        return api;
    }

    // A route handler rather than MapHealthChecks, so the endpoint and its response appear in the OpenAPI document.
    private static async Task<JsonHttpResult<HealthResponse>> GetHealthAsync(HealthCheckService health, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(cancellationToken);
        var body = new HealthResponse(
            report.Status.ToString(),
            report.Entries.Select(entry => new HealthCheckResponse(entry.Key, entry.Value.Status.ToString(), entry.Value.Description)).ToList());
        var status = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        return TypedResults.Json(body, statusCode: status);
    }
}

/// <param name="Status">Healthy, Degraded or Unhealthy: the worst status of the checks.</param>
public sealed record HealthResponse(string Status, IReadOnlyList<HealthCheckResponse> Checks);

/// <param name="Name">database, model, scheduler, cycle, and any check other subsystems register.</param>
public sealed record HealthCheckResponse(string Name, string Status, string? Description);
