using Macha.Core.Storage;
using Macha.Core.Storage.Audit;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Macha.Web.Api;

internal static class AuditEndpoints
{
    public static RouteGroupBuilder MapAuditEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/audit/verify", VerifyAsync)
            .WithTags("Audit")
            .WithName("VerifyAudit")
            .WithSummary("Verify the hash chains of decisions.jsonl and actions.jsonl")
            .WithDescription("A broken chain is still a 200, with `intact` false and the first broken line of each file.");
        api.MapGet("/actions", ListActionsAsync)
            .WithTags("Audit")
            .WithName("ListActions")
            .WithSummary("List action outcomes from actions.jsonl")
            .WithDescription(ListDescription("action.failed", "approval"))
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/decisions", ListDecisionsAsync)
            .WithTags("Audit")
            .WithName("ListDecisions")
            .WithSummary("List decisions from decisions.jsonl")
            .WithDescription(ListDescription("decision", "decision"))
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return api;
    }

    /// <summary>
    /// Verifies the hash chains of decisions.jsonl and actions.jsonl and returns, for each, the lines
    /// checked and the first broken line. A broken chain is still a 200: the request itself succeeded.
    /// </summary>
    private static async Task<Ok<AuditVerifyResponse>> VerifyAsync(IAuditLog audit, CancellationToken cancellationToken)
    {
        var decisions = await AuditVerifier.VerifyAsync(audit.GetPath(AuditFile.Decisions), cancellationToken);
        var actions = await AuditVerifier.VerifyAsync(audit.GetPath(AuditFile.Actions), cancellationToken);
        return TypedResults.Ok(new AuditVerifyResponse(decisions.IsIntact && actions.IsIntact, decisions, actions));
    }

    private static Task<Results<Ok<List<AuditRecord>>, ProblemHttpResult>> ListActionsAsync(
        IAuditLog audit,
        string? type,
        string? host,
        Guid? incident,
        DateTimeOffset? since,
        DateTimeOffset? until,
        long? after,
        long? before,
        int? limit,
        CancellationToken cancellationToken) =>
        ListAsync(audit.GetPath(AuditFile.Actions), new AuditListRequest(type, host, incident, since, until, after, before, limit), cancellationToken);

    private static Task<Results<Ok<List<AuditRecord>>, ProblemHttpResult>> ListDecisionsAsync(
        IAuditLog audit,
        string? type,
        string? host,
        Guid? incident,
        DateTimeOffset? since,
        DateTimeOffset? until,
        long? after,
        long? before,
        int? limit,
        CancellationToken cancellationToken) =>
        ListAsync(audit.GetPath(AuditFile.Decisions), new AuditListRequest(type, host, incident, since, until, after, before, limit), cancellationToken);

    private static async Task<Results<Ok<List<AuditRecord>>, ProblemHttpResult>> ListAsync(
        string path, AuditListRequest request, CancellationToken cancellationToken)
    {
        if (ApiQuery.InvalidPage(request.Limit, offset: null, request.Since, request.Until) is { } problem)
        {
            return problem;
        }

        if (request.After is < 0 || request.Before is < 1)
        {
            return Problems.Invalid($"The query parameters 'after' and 'before' are line numbers (seq): 'after' must be 0 or more and 'before' 1 or more; got after={request.After}, before={request.Before}.");
        }

        if (request.After is not null && request.Before is not null)
        {
            return Problems.Invalid("Use either 'after' (oldest first, for following the file) or 'before' (newest first, for paging back), not both.");
        }

        var query = new AuditQuery
        {
            Type = request.Type,
            HostName = request.Host,
            IncidentId = request.Incident,
            Since = request.Since,
            Until = request.Until,
            After = request.After,
            Before = request.Before,
            Limit = request.Limit ?? ApiQuery.DefaultLimit,
        };
        var records = await AuditReader.ReadAsync(path, query, cancellationToken);
        return TypedResults.Ok(records.ToList());
    }

    private static string ListDescription(string typeExample, string prefixExample) =>
        $"Without `after`, the newest lines come first, and `before` (a seq) continues from the last one listed. With `after` (a seq), "
        + $"the lines after it come oldest first, which is how a follower continues. Filters: `type` (exact, such as `{typeExample}`, "
        + $"or a prefix ending in a dot, such as `{prefixExample}.`), `host`, `incident`, `since` (inclusive), `until` (exclusive). "
        + $"`limit`: 1 to {HealthQueries.MaxLimit}, default {ApiQuery.DefaultLimit}.";

    private sealed record AuditListRequest(
        string? Type, string? Host, Guid? Incident, DateTimeOffset? Since, DateTimeOffset? Until, long? After, long? Before, int? Limit);
}

/// <summary>The verification of both audit files; <paramref name="Intact"/> is true when neither has a break.</summary>
internal sealed record AuditVerifyResponse(bool Intact, AuditVerification Decisions, AuditVerification Actions);
