using Macha.Core.Configuration;
using Macha.Core.Monitoring;
using Macha.Core.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Macha.Web.Api;

internal static class SnapshotEndpoints
{
    public static RouteGroupBuilder MapSnapshotEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/snapshots/latest", GetLatestSnapshotAsync)
            .WithTags("Snapshots")
            .WithName("GetLatestSnapshot")
            .WithSummary("Get the newest snapshot of a host")
            .WithDescription("Without `host`, returns the snapshot of the machine Macha runs on.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/snapshots", ListSnapshotsAsync)
            .WithTags("Snapshots")
            .WithName("ListSnapshots")
            .WithSummary("List snapshots, newest first")
            .WithDescription("Filters: `host`, `since` (inclusive), `until` (exclusive). Paging: `limit` (1 to 500, default 50) and `offset`.")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/findings", ListFindingsAsync)
            .WithTags("Findings")
            .WithName("ListFindings")
            .WithSummary("List findings, most severe first")
            .WithDescription("Without `since` or `until`, lists the findings of each host's newest snapshot: what is wrong now. "
                + "Filters: `host`, `severity` (Info, Warning, Critical), `kind`, `since`, `until`. Paging: `limit` (1 to 500, default 500) and `offset`.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return api;
    }

    private static async Task<Results<Ok<HostSnapshot>, ProblemHttpResult>> GetLatestSnapshotAsync(
        HealthQueries queries, IOptions<MachaOptions> options, string? host, CancellationToken cancellationToken)
    {
        // Without a host, return the snapshot of the machine Macha runs on, so scripts get a stable subject.
        host ??= options.Value.ResolveLocalHostName();
        var snapshots = await queries.ListSnapshotsAsync(host, 1, cancellationToken);
        return snapshots.Count == 0
            ? Problems.NotFound($"No snapshot of host '{host}' exists yet; the first health cycle may still be running.")
            : TypedResults.Ok(snapshots[0]);
    }

    private static async Task<Results<Ok<IReadOnlyList<HostSnapshot>>, ProblemHttpResult>> ListSnapshotsAsync(
        HealthQueries queries,
        string? host,
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

        var filter = new SnapshotFilter { HostName = host, Since = since, Until = until, Limit = limit ?? ApiQuery.DefaultLimit, Offset = offset ?? 0 };
        return TypedResults.Ok(await queries.ListSnapshotsAsync(filter, cancellationToken));
    }

    private static async Task<Results<Ok<List<FindingResponse>>, ProblemHttpResult>> ListFindingsAsync(
        HealthQueries queries,
        string? host,
        string? severity,
        string? kind,
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

        if (!ApiQuery.TryParseSeverity(severity, out var wantedSeverity, out var severityProblem))
        {
            return severityProblem!;
        }

        var filter = new FindingFilter
        {
            HostName = host,
            Severity = wantedSeverity,
            Kind = kind,
            Since = since,
            Until = until,
            Limit = limit ?? HealthQueries.MaxLimit,
            Offset = offset ?? 0,
        };
        var findings = await queries.ListFindingsAsync(filter, cancellationToken);
        return TypedResults.Ok(findings.Select(FindingResponse.From).ToList());
    }
}
