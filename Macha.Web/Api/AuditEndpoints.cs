using Macha.Core.Storage.Audit;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Macha.Web.Api;

internal static class AuditEndpoints
{
    public static RouteGroupBuilder MapAuditEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/audit/verify", VerifyAsync);
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
}

/// <summary>The verification of both audit files; <paramref name="Intact"/> is true when neither has a break.</summary>
internal sealed record AuditVerifyResponse(bool Intact, AuditVerification Decisions, AuditVerification Actions);
