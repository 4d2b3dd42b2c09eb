using System.Security.Claims;
using System.Text.Json;
using Macha.Core.Discussions;
using Macha.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Macha.Web.Api;

internal static class DiscussionEndpoints
{
    // Recorded as the author of a question when the caller has no name, which the sign-in schemes always give.
    private const string UnnamedAuthor = "api";

    public static RouteGroupBuilder MapDiscussionEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/approvals/{id}/discussion", (DiscussionService discussions, Guid id, CancellationToken cancellationToken) =>
                ListAsync(discussions, DiscussionSubject.Approval, id, cancellationToken))
            .WithTags("Discussions")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetApprovalDiscussion")
            .WithSummary("Returns the conversation with the model about an approval, oldest message first.");
        api.MapPost("/approvals/{id}/discussion", (DiscussionService discussions, Guid id, DiscussionRequest? body, ClaimsPrincipal user, CancellationToken cancellationToken) =>
                AskAsync(discussions, DiscussionSubject.Approval, id, body, user, cancellationToken))
            .RequireAuthorization(MachaPolicies.Operate)
            .WithTags("Discussions")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithName("AskAboutApproval")
            .WithSummary("Asks the model about an approval and returns its reply; the question and the reply are kept with the approval.");
        api.MapGet("/incidents/{id}/discussion", (DiscussionService discussions, Guid id, CancellationToken cancellationToken) =>
                ListAsync(discussions, DiscussionSubject.Incident, id, cancellationToken))
            .WithTags("Discussions")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetIncidentDiscussion")
            .WithSummary("Returns the conversation with the model about an incident, oldest message first.");
        api.MapPost("/incidents/{id}/discussion", (DiscussionService discussions, Guid id, DiscussionRequest? body, ClaimsPrincipal user, CancellationToken cancellationToken) =>
                AskAsync(discussions, DiscussionSubject.Incident, id, body, user, cancellationToken))
            .RequireAuthorization(MachaPolicies.Operate)
            .WithTags("Discussions")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithName("AskAboutIncident")
            .WithSummary("Asks the model about an incident and returns its reply; the question and the reply are kept with the incident.");
        return api;
    }

    private static async Task<Results<Ok<List<DiscussionMessageResponse>>, ProblemHttpResult>> ListAsync(
        DiscussionService discussions, DiscussionSubject subject, Guid id, CancellationToken cancellationToken)
    {
        var messages = await discussions.ListAsync(subject, id, cancellationToken);
        return messages is null
            ? Problems.NotFound($"No {Noun(subject)} with id {id} exists.")
            : TypedResults.Ok(messages.Select(DiscussionMessageResponse.From).ToList());
    }

    /// <summary>Waits for the model's reply, which can take as long as Macha:Analysis:RequestTimeout plus the queue's wait.</summary>
    private static async Task<Results<Ok<DiscussionMessageResponse>, ProblemHttpResult>> AskAsync(
        DiscussionService discussions,
        DiscussionSubject subject,
        Guid id,
        DiscussionRequest? body,
        ClaimsPrincipal user,
        CancellationToken cancellationToken)
    {
        var author = user.Identity?.Name is { Length: > 0 } name ? name : UnnamedAuthor;
        var result = await discussions.AskAsync(subject, id, author, body?.Message, cancellationToken);
        return result.Status switch
        {
            DiscussionReplyStatus.Replied => TypedResults.Ok(DiscussionMessageResponse.From(result.Reply!)),
            DiscussionReplyStatus.NotFound => Problems.NotFound(result.Error!),
            DiscussionReplyStatus.Invalid => Problems.Invalid(result.Error!),
            DiscussionReplyStatus.Disabled => TypedResults.Problem(result.Error, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Analysis disabled"),
            _ => TypedResults.Problem(result.Error, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Model unavailable"),
        };
    }

    private static string Noun(DiscussionSubject subject) => subject == DiscussionSubject.Approval ? "approval" : "incident";
}

/// <param name="Message">The question, at most <see cref="DiscussionService.MaxQuestionLength"/> characters.</param>
public sealed record DiscussionRequest(string? Message);

/// <param name="Role">User for a person's question, Assistant for the model's reply.</param>
/// <param name="ToolCalls">The read-only tool calls the model made for a reply: tool, arguments, success, output size.</param>
public sealed record DiscussionMessageResponse(long Id, string Role, string Author, string Text, DateTimeOffset At, JsonElement ToolCalls)
{
    internal static DiscussionMessageResponse From(DiscussionMessage message) =>
        new(message.Id, message.Role.ToString(), message.Author, message.Text, message.At, ParseToolCalls(message.ToolCallsJson));

    private static JsonElement ParseToolCalls(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            using var empty = JsonDocument.Parse("[]");
            return empty.RootElement.Clone();
        }
    }
}
