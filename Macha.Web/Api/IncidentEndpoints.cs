using Macha.Core.Incidents;
using Macha.Core.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Macha.Web.Api;

internal static class IncidentEndpoints
{
    public static RouteGroupBuilder MapIncidentEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/incidents", ListIncidentsAsync)
            .WithTags("Incidents")
            .WithName("ListIncidents")
            .WithSummary("List incidents, most recently changed first")
            .WithDescription("Without `state`, lists the open and ongoing incidents. Filters: `host`, `state` (Open, Ongoing, Resolved), "
                + "`severity` (Info, Warning, Critical), and `since` and `until` on the time of the last change. Paging: `limit` (1 to 500, default 50) and `offset`.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/incidents/{id}", GetIncidentAsync)
            .WithTags("Incidents")
            .WithName("GetIncident")
            .WithSummary("Get one incident")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/incidents/{id}/analyses", ListIncidentAnalysesAsync)
            .WithTags("Incidents")
            .WithName("ListIncidentAnalyses")
            .WithSummary("List the model analyses of an incident, newest first")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<Results<Ok<List<IncidentRecord>>, ProblemHttpResult>> ListIncidentsAsync(
        HealthQueries queries,
        string? host,
        string? state,
        string? severity,
        DateTimeOffset? since,
        DateTimeOffset? until,
        int? limit,
        int? offset,
        CancellationToken cancellationToken)
    {
        if (ApiQuery.InvalidPage(limit, offset, since, until) is { } problem)
        {
            return problem;
        }

        if (!ApiQuery.TryParseEnum<IncidentState>(state, "state", out var wantedState, out var stateProblem))
        {
            return stateProblem!;
        }

        if (!ApiQuery.TryParseSeverity(severity, out var wantedSeverity, out var severityProblem))
        {
            return severityProblem!;
        }

        var filter = new IncidentFilter
        {
            HostName = host,
            State = wantedState,
            Severity = wantedSeverity,
            Since = since,
            Until = until,
            Limit = limit ?? ApiQuery.DefaultLimit,
            Offset = offset ?? 0,
        };
        var incidents = await queries.ListIncidentsAsync(filter, cancellationToken);
        return TypedResults.Ok(incidents.ToList());
    }

    private static async Task<Results<Ok<IncidentRecord>, ProblemHttpResult>> GetIncidentAsync(
        HealthQueries queries, Guid id, CancellationToken cancellationToken)
    {
        var incident = await queries.GetIncidentAsync(id, cancellationToken);
        return incident is null
            ? Problems.NotFound($"No incident with id {id} exists.")
            : TypedResults.Ok(incident);
    }

    private static async Task<Results<Ok<List<AnalysisResponse>>, ProblemHttpResult>> ListIncidentAnalysesAsync(
        HealthQueries queries, Guid id, CancellationToken cancellationToken)
    {
        if (await queries.GetIncidentAsync(id, cancellationToken) is null)
        {
            return Problems.NotFound($"No incident with id {id} exists.");
        }

        var analyses = await queries.ListAnalysesAsync(id, cancellationToken);
        return TypedResults.Ok(analyses.Select(AnalysisResponse.From).ToList());
    }
}
