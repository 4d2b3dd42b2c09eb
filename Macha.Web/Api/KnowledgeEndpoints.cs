using Macha.Core.Knowledge;
using Macha.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Macha.Web.Api;

internal static class KnowledgeEndpoints
{
    public const int DefaultSearchLimit = 10;
    public const int MaxSearchLimit = 50;
    public const int MaxQueryLength = 2000;

    public static RouteGroupBuilder MapKnowledgeEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/knowledge/search", SearchAsync)
            .WithName("SearchKnowledge")
            .WithSummary("Searches the knowledge base: notes, learned incidents and configuration files, most similar first.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPost("/knowledge", AddNoteAsync)
            .RequireAuthorization(MachaPolicies.Operate)
            .WithName("AddKnowledgeNote")
            .WithSummary("Adds a note to the knowledge base; the same title and text added twice keep one note.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapDelete("/knowledge/{id}", DeleteNoteAsync)
            .RequireAuthorization(MachaPolicies.Operate)
            .WithName("DeleteKnowledgeNote")
            .WithSummary("Deletes a note of the knowledge collection.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return api;
    }

    private static async Task<Results<Ok<List<KnowledgeHitResponse>>, ProblemHttpResult>> SearchAsync(
        IKnowledgeBase knowledge, string? q, int? limit, string? collection, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(q) || q.Length > MaxQueryLength)
        {
            return Problems.Invalid($"The query parameter 'q' is required and at most {MaxQueryLength} characters long.");
        }

        if (limit is < 1 or > MaxSearchLimit)
        {
            return Problems.Invalid($"The query parameter 'limit' must be between 1 and {MaxSearchLimit}; got {limit}.");
        }

        KnowledgeCollection? only = null;
        if (collection is not null)
        {
            if (!KnowledgeCollectionNames.TryParse(collection, out var parsed))
            {
                return Problems.Invalid($"The query parameter 'collection' must be one of knowledge, incidents or configs; got '{collection}'.");
            }

            only = parsed;
        }

        if (Unavailable(knowledge) is { } notConfigured)
        {
            return notConfigured;
        }

        try
        {
            var hits = await knowledge.SearchAsync(q, only, limit ?? DefaultSearchLimit, cancellationToken);
            return TypedResults.Ok(hits.Select(KnowledgeHitResponse.From).ToList());
        }
        catch (KnowledgeUnavailableException ex)
        {
            return Unavailable(ex);
        }
    }

    private static async Task<Results<Created<KnowledgeNote>, ValidationProblem, ProblemHttpResult>> AddNoteAsync(
        IKnowledgeBase knowledge, AddKnowledgeNoteRequest? body, CancellationToken cancellationToken)
    {
        if (body is null)
        {
            return Problems.Invalid("The request body must be a JSON object with title, text and tags.");
        }

        var tags = body.Tags ?? [];
        var errors = KnowledgeNoteRules.Validate(body.Title, body.Text, tags);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid note");
        }

        if (Unavailable(knowledge) is { } notConfigured)
        {
            return notConfigured;
        }

        try
        {
            var note = await knowledge.AddNoteAsync(body.Title!, body.Text!, tags, cancellationToken);
            return TypedResults.Created($"/api/knowledge/{Uri.EscapeDataString(note.Id)}", note);
        }
        catch (KnowledgeUnavailableException ex)
        {
            return Unavailable(ex);
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteNoteAsync(
        IKnowledgeBase knowledge, string id, CancellationToken cancellationToken)
    {
        if (Unavailable(knowledge) is { } notConfigured)
        {
            return notConfigured;
        }

        try
        {
            return await knowledge.DeleteNoteAsync(id, cancellationToken)
                ? TypedResults.NoContent()
                : Problems.NotFound($"No note with id '{id}' exists in the knowledge collection.");
        }
        catch (KnowledgeUnavailableException ex)
        {
            return Unavailable(ex);
        }
    }

    private static ProblemHttpResult? Unavailable(IKnowledgeBase knowledge) =>
        knowledge.IsConfigured
            ? null
            : TypedResults.Problem(
                "The knowledge base is not configured; set Macha:Knowledge:ChromaUrl to the address of a ChromaDB server.",
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Knowledge base not configured");

    private static ProblemHttpResult Unavailable(KnowledgeUnavailableException exception) =>
        TypedResults.Problem(exception.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Knowledge base unavailable");
}

/// <summary>The body of POST /api/knowledge.</summary>
public sealed record AddKnowledgeNoteRequest(string? Title, string? Text, IReadOnlyList<string>? Tags);

/// <summary>One search result of GET /api/knowledge/search.</summary>
/// <param name="Similarity">1 minus the cosine distance between the query and the record.</param>
public sealed record KnowledgeHitResponse(string Collection, string Id, string Title, string Text, double Similarity, string Source, IReadOnlyDictionary<string, string> Metadata)
{
    public static KnowledgeHitResponse From(KnowledgeHit hit) =>
        new(hit.Collection, hit.Id, hit.Title, hit.Text, hit.Similarity, hit.Source, hit.Metadata);
}
