using System.Security.Claims;
using System.Text.Json;
using Macha.Core.Actions.Execution;
using Macha.Core.Approvals;
using Macha.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Macha.Web.Api;

internal static class ApprovalEndpoints
{
    public const int MaxCommentLength = 2000;

    private const int DefaultPageSize = 50;

    // Keeps (page - 1) * pageSize, the rows the queue skips, inside an int.
    private const int MaxPage = int.MaxValue / ApprovalQueue.MaxPageSize;

    public static RouteGroupBuilder MapApprovalEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/approvals", ListApprovalsAsync)
            .WithTags("Approvals")
            .WithName("ListApprovals")
            .WithSummary("List approvals, newest first")
            .WithDescription("Filters: `state` (Pending, Approved, Running, Succeeded, Failed, Interrupted, Rejected, Expired, Withdrawn), "
                + "`host` (exact name), and `since` (inclusive) and `until` (exclusive) on the time the approval was created, in ISO 8601. "
                + "Paging: `page` (from 1) and `pageSize` (1 to 500, default 50); the response carries the total count.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/approvals/{id}", GetApprovalAsync)
            .WithTags("Approvals")
            .WithName("GetApproval")
            .WithSummary("Get one approval with every change of its state")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/approvals/{id}/approve", ApproveAsync)
            .WithTags("Approvals")
            .RequireAuthorization(MachaPolicies.Operate)
            .WithName("ApproveApproval")
            .WithSummary("Approve a pending approval and run its action")
            .WithDescription("Runs the action before responding, with the outcome in the response. 409 when the approval is no longer Pending.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/approvals/{id}/reject", RejectAsync)
            .WithTags("Approvals")
            .RequireAuthorization(MachaPolicies.Operate)
            .WithName("RejectApproval")
            .WithSummary("Reject a pending approval, so nothing runs")
            .WithDescription("409 when the approval is no longer Pending.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private static async Task<Results<Ok<ApprovalPageResponse>, ProblemHttpResult>> ListApprovalsAsync(
        ApprovalQueue queue,
        string? state,
        string? host,
        DateTimeOffset? since,
        DateTimeOffset? until,
        int? page,
        int? pageSize,
        CancellationToken cancellationToken)
    {
        if (!ApiQuery.TryParseEnum<ApprovalState>(state, "state", out var stateFilter, out var invalidState))
        {
            return invalidState!;
        }

        if (page is < 1 or > MaxPage)
        {
            return Problems.Invalid($"The query parameter 'page' must be between 1 and {MaxPage}; got {page}.");
        }

        if (pageSize is < 1 or > ApprovalQueue.MaxPageSize)
        {
            return Problems.Invalid($"The query parameter 'pageSize' must be between 1 and {ApprovalQueue.MaxPageSize}; got {pageSize}.");
        }

        if (ApiQuery.InvalidPage(limit: null, offset: null, since, until) is { } invalidWindow)
        {
            return invalidWindow;
        }

        var filter = new ApprovalFilter { State = stateFilter, HostName = string.IsNullOrEmpty(host) ? null : host, Since = since, Until = until };
        var result = await queue.ListMatchingAsync(filter, page ?? 1, pageSize ?? DefaultPageSize, cancellationToken);
        return TypedResults.Ok(new ApprovalPageResponse(
            result.Items.Select(ApprovalResponse.From).ToList(), result.Page, result.PageSize, result.TotalCount));
    }

    private static async Task<Results<Ok<ApprovalDetailResponse>, ProblemHttpResult>> GetApprovalAsync(
        ApprovalQueue queue, Guid id, CancellationToken cancellationToken)
    {
        var approval = await queue.GetAsync(id, cancellationToken);
        if (approval is null)
        {
            return NotFound(id);
        }

        var transitions = await queue.GetTransitionsAsync(id, cancellationToken);
        return TypedResults.Ok(new ApprovalDetailResponse(
            ApprovalResponse.From(approval), transitions.Select(ApprovalTransitionResponse.From).ToList()));
    }

    /// <summary>Approves a Pending approval and runs its action before responding, with the outcome in the response.</summary>
    private static async Task<Results<Ok<ApprovalRunResponse>, ProblemHttpResult>> ApproveAsync(
        ApprovalRunner runner, ClaimsPrincipal user, Guid id, ApprovalDecisionRequest? body, CancellationToken cancellationToken)
    {
        if (InvalidComment(body) is { } invalid)
        {
            return invalid;
        }

        var result = await runner.ApproveAndRunAsync(id, MachaActors.Of(user), Comment(body), cancellationToken);
        return result.Status switch
        {
            ApprovalRunStatus.NotFound => NotFound(id),
            ApprovalRunStatus.Conflict => NotPending(id, "approved", result.Approval!),
            _ => TypedResults.Ok(new ApprovalRunResponse(ApprovalResponse.From(result.Approval!), result.Execution)),
        };
    }

    private static async Task<Results<Ok<ApprovalResponse>, ProblemHttpResult>> RejectAsync(
        ApprovalQueue queue, ClaimsPrincipal user, Guid id, ApprovalDecisionRequest? body, CancellationToken cancellationToken)
    {
        if (InvalidComment(body) is { } invalid)
        {
            return invalid;
        }

        var result = await queue.RejectAsync(id, MachaActors.Of(user), Comment(body), cancellationToken);
        return result.Status switch
        {
            ApprovalChangeStatus.NotFound => NotFound(id),
            ApprovalChangeStatus.Conflict => NotPending(id, "rejected", result.Approval!),
            _ => TypedResults.Ok(ApprovalResponse.From(result.Approval!)),
        };
    }

    private static ProblemHttpResult? InvalidComment(ApprovalDecisionRequest? body) =>
        body?.Comment is { Length: > MaxCommentLength } comment
            ? Problems.Invalid($"The field 'comment' may have at most {MaxCommentLength} characters; got {comment.Length}. Shorten it.")
            : null;

    private static string? Comment(ApprovalDecisionRequest? body) =>
        string.IsNullOrWhiteSpace(body?.Comment) ? null : body.Comment;

    private static ProblemHttpResult NotFound(Guid id) => Problems.NotFound($"No approval with id {id} exists.");

    private static ProblemHttpResult NotPending(Guid id, string verb, ApprovalRecord current) =>
        TypedResults.Problem(
            $"Approval {id} cannot be {verb} because it is {current.State}; only a Pending approval can be decided. Reload it to see who decided it and what happened.",
            statusCode: StatusCodes.Status409Conflict,
            title: "Conflict",
            extensions: new Dictionary<string, object?> { ["state"] = current.State.ToString() });
}

/// <summary>The optional body of an approve or reject request.</summary>
/// <param name="Comment">Why the person decided so, up to <see cref="ApprovalEndpoints.MaxCommentLength"/> characters. It is kept in the transition.</param>
public sealed record ApprovalDecisionRequest(string? Comment);

/// <summary>One approval, with its command as an argv array.</summary>
public sealed record ApprovalResponse(
    Guid Id,
    string State,
    string HostName,
    string ActionKind,
    IReadOnlyList<string> Argv,
    string Risk,
    string Reason,
    string? Diagnosis,
    string? ExpectedEffect,
    string? Undo,
    string? DryRunOutput,
    Guid? IncidentId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ChangedAt,
    string? DecidedBy,
    DateTimeOffset? DecidedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Outcome,
    JsonElement? Proposal)
{
    internal static ApprovalResponse From(ApprovalRecord record) => new(
        record.Id,
        record.State.ToString(),
        record.HostName,
        record.ActionKind,
        record.ReadArgv(),
        record.Risk,
        record.Reason,
        record.Diagnosis,
        record.ExpectedEffect,
        record.Undo,
        record.DryRunOutput,
        record.IncidentId,
        record.CreatedAt,
        record.ChangedAt,
        record.DecidedBy,
        record.DecidedAt,
        record.StartedAt,
        record.FinishedAt,
        record.Outcome,
        ParseProposal(record.ProposalJson));

    // A stored proposal that is not JSON is shown as missing here, and running the approval reports why it failed.
    private static JsonElement? ParseProposal(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

public sealed record ApprovalTransitionResponse(string? FromState, string ToState, string Actor, string? Comment, DateTimeOffset At)
{
    internal static ApprovalTransitionResponse From(ApprovalTransition transition) =>
        new(transition.From?.ToString(), transition.To.ToString(), transition.Actor, transition.Comment, transition.At);
}

/// <summary>An approval with every change of its state, oldest first.</summary>
public sealed record ApprovalDetailResponse(ApprovalResponse Approval, IReadOnlyList<ApprovalTransitionResponse> Transitions);

/// <param name="TotalCount">Approvals that match the filter on all pages.</param>
public sealed record ApprovalPageResponse(IReadOnlyList<ApprovalResponse> Items, int Page, int PageSize, int TotalCount);

/// <param name="Approval">The approval after the run, Succeeded or Failed.</param>
/// <param name="Execution">What the executor did; null when the action was rejected before it ran, as the approval's outcome explains.</param>
public sealed record ApprovalRunResponse(ApprovalResponse Approval, ExecutionOutcome? Execution);
