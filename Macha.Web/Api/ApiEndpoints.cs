using Macha.Core.Configuration;
using Macha.Core.Incidents;
using Macha.Core.Storage;
using Macha.Web.Jobs;
using Macha.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Macha.Web.Api;

internal static class ApiEndpoints
{
    private const int DefaultLimit = 50;

    public static IEndpointRouteBuilder MapMachaApi(this IEndpointRouteBuilder endpoints)
    {
        // Every endpoint needs Read; each one that changes something adds Operate itself.
        var api = endpoints.MapGroup("/api").RequireAuthorization(MachaPolicies.Read);
        api.MapMachaHealth("/health");

        api.MapGet("/snapshots/latest", GetLatestSnapshotAsync);
        api.MapGet("/snapshots", ListSnapshotsAsync);
        api.MapGet("/findings", ListFindingsAsync);
        api.MapGet("/incidents", ListIncidentsAsync);
        api.MapGet("/incidents/{id:guid}", GetIncidentAsync);
        api.MapGet("/incidents/{id:guid}/analyses", ListIncidentAnalysesAsync);
        api.MapPost("/cycles", StartCycleAsync).RequireAuthorization(MachaPolicies.Operate);
        api.MapGet("/cycles", ListCyclesAsync);
        api.MapGet("/cycles/{id:guid}", GetCycleAsync);
        api.MapAnalysisEndpoints();
        api.MapApprovalEndpoints();
        api.MapAutonomyEndpoints();
        api.MapAuditEndpoints();
        api.MapDependencyEndpoints();
        return endpoints;
    }

    private static async Task<Results<Ok<Macha.Core.Monitoring.HostSnapshot>, ProblemHttpResult>> GetLatestSnapshotAsync(
        HealthQueries queries, IOptions<MachaOptions> options, string? host, CancellationToken cancellationToken)
    {
        // Without a host, answer for the machine Macha runs on, so scripts get a stable subject.
        host ??= options.Value.ResolveLocalHostName();
        var snapshots = await queries.ListSnapshotsAsync(host, 1, cancellationToken);
        return snapshots.Count == 0
            ? Problems.NotFound($"No snapshot of host '{host}' exists yet; the first health cycle may still be running.")
            : TypedResults.Ok(snapshots[0]);
    }

    private static async Task<Results<Ok<IReadOnlyList<Macha.Core.Monitoring.HostSnapshot>>, ProblemHttpResult>> ListSnapshotsAsync(
        HealthQueries queries, string? host, int? limit, CancellationToken cancellationToken)
    {
        if (InvalidLimit(limit) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok(await queries.ListSnapshotsAsync(host, limit ?? DefaultLimit, cancellationToken));
    }

    private static async Task<Results<Ok<List<FindingResponse>>, ProblemHttpResult>> ListFindingsAsync(
        HealthQueries queries, string? host, DateTimeOffset? since, int? limit, CancellationToken cancellationToken)
    {
        if (InvalidLimit(limit) is { } problem)
        {
            return problem;
        }

        var findings = await queries.ListFindingsAsync(host, since, limit ?? HealthQueries.MaxLimit, cancellationToken);
        return TypedResults.Ok(findings.Select(FindingResponse.From).ToList());
    }

    private static async Task<Results<Ok<List<IncidentRecord>>, ProblemHttpResult>> ListIncidentsAsync(
        HealthQueries queries, string? host, string? state, int? limit, CancellationToken cancellationToken)
    {
        if (InvalidLimit(limit) is { } problem)
        {
            return problem;
        }

        IncidentState? wanted = null;
        if (state is not null)
        {
            // Match names only: Enum.TryParse would also take numbers and comma-joined flags.
            var name = Enum.GetNames<IncidentState>().FirstOrDefault(n => string.Equals(n, state, StringComparison.OrdinalIgnoreCase));
            if (name is null)
            {
                return Problems.Invalid($"The query parameter 'state' must be one of {string.Join(", ", Enum.GetNames<IncidentState>())}; got '{state}'.");
            }

            wanted = Enum.Parse<IncidentState>(name);
        }

        var incidents = await queries.ListIncidentsAsync(host, wanted, limit ?? DefaultLimit, cancellationToken);
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

    private static async Task<Accepted<CycleStartedResponse>> StartCycleAsync(ICycleLauncher launcher, CancellationToken cancellationToken)
    {
        var id = await launcher.StartAsync(cancellationToken);
        var url = $"/api/cycles/{id}";
        return TypedResults.Accepted(url, new CycleStartedResponse(id, url));
    }

    private static async Task<Results<Ok<List<CycleRunResponse>>, ProblemHttpResult>> ListCyclesAsync(
        HealthQueries queries, int? limit, CancellationToken cancellationToken)
    {
        if (InvalidLimit(limit) is { } problem)
        {
            return problem;
        }

        var runs = await queries.ListCycleRunsAsync(limit ?? DefaultLimit, cancellationToken);
        return TypedResults.Ok(runs.Select(CycleRunResponse.From).ToList());
    }

    private static async Task<Results<Ok<CycleRunResponse>, ProblemHttpResult>> GetCycleAsync(
        HealthQueries queries, Guid id, CancellationToken cancellationToken)
    {
        var run = await queries.GetCycleRunAsync(id, cancellationToken);
        return run is null
            ? Problems.NotFound($"No health cycle run with id {id} exists.")
            : TypedResults.Ok(CycleRunResponse.From(run));
    }

    private static ProblemHttpResult? InvalidLimit(int? limit) =>
        limit is < 1 or > HealthQueries.MaxLimit
            ? Problems.Invalid($"The query parameter 'limit' must be between 1 and {HealthQueries.MaxLimit}; got {limit}.")
            : null;
}

/// <summary>RFC 7807 problem responses with a clear title and a detail that says what to change.</summary>
internal static class Problems
{
    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static ProblemHttpResult Invalid(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request");
}
