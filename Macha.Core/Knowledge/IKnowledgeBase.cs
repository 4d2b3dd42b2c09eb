using Macha.Core.Analysis;
using Microsoft.Extensions.Options;

namespace Macha.Core.Knowledge;

/// <summary>What people do with the knowledge base, from the API and the dashboard: search, add and delete notes.</summary>
public interface IKnowledgeBase
{
    /// <summary>Whether Macha:Knowledge:ChromaUrl is set.</summary>
    bool IsConfigured { get; }

    /// <summary>Returns the nearest records above the configured minimum similarity, most similar first.</summary>
    /// <param name="collection">One collection, or null for all of them.</param>
    /// <exception cref="KnowledgeUnavailableException">ChromaDB or the embedding model failed, or the knowledge base is not configured.</exception>
    Task<IReadOnlyList<KnowledgeHit>> SearchAsync(string query, KnowledgeCollection? collection, int limit, CancellationToken cancellationToken = default);

    /// <exception cref="KnowledgeUnavailableException">ChromaDB or the embedding model failed, or the knowledge base is not configured.</exception>
    Task<KnowledgeNote> AddNoteAsync(string title, string text, IReadOnlyList<string> tags, CancellationToken cancellationToken = default);

    /// <summary>Deletes a note of the knowledge collection; returns false when there is none with this id.</summary>
    /// <exception cref="KnowledgeUnavailableException">ChromaDB failed, or the knowledge base is not configured.</exception>
    Task<bool> DeleteNoteAsync(string id, CancellationToken cancellationToken = default);
}

/// <summary>The <see cref="IKnowledgeBase"/> of a running Macha: <see cref="KnowledgeStore"/> at interactive priority.</summary>
internal sealed class KnowledgeBase(KnowledgeStore store, IOptionsMonitor<KnowledgeOptions> options) : IKnowledgeBase
{
    public bool IsConfigured => store.IsConfigured;

    public Task<IReadOnlyList<KnowledgeHit>> SearchAsync(string query, KnowledgeCollection? collection, int limit, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<KnowledgeCollection> collections = collection is { } one ? [one] : KnowledgeCollectionNames.All;
        return store.SearchAsync(query, collections, limit, options.CurrentValue.MinSimilarity, ModelRequestPriority.Interactive, cancellationToken: cancellationToken);
    }

    public Task<KnowledgeNote> AddNoteAsync(string title, string text, IReadOnlyList<string> tags, CancellationToken cancellationToken = default) =>
        store.AddNoteAsync(title, text, tags, KnowledgeSources.Person, cancellationToken);

    public Task<bool> DeleteNoteAsync(string id, CancellationToken cancellationToken = default) =>
        store.DeleteNoteAsync(id, cancellationToken);
}

/// <summary>The limits on a note that a person adds, checked by the API and the dashboard alike.</summary>
public static class KnowledgeNoteRules
{
    public const int MaxTags = 20;
    public const int MaxTagLength = 50;

    /// <summary>Returns what is wrong with a note, one message per field; empty when it is valid.</summary>
    public static IReadOnlyDictionary<string, string[]> Validate(string? title, string? text, IReadOnlyList<string>? tags)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(title) || title.Trim().Length > KnowledgeStore.MaxTitleLength)
        {
            errors["title"] = [$"The title is required and at most {KnowledgeStore.MaxTitleLength} characters long."];
        }

        if (string.IsNullOrWhiteSpace(text) || text.Trim().Length > KnowledgeStore.MaxTextLength)
        {
            errors["text"] = [$"The text is required and at most {KnowledgeStore.MaxTextLength} characters long."];
        }

        if (tags is { Count: > MaxTags })
        {
            errors["tags"] = [$"A note has at most {MaxTags} tags; got {tags.Count}."];
        }
        else if (tags?.FirstOrDefault(tag => !IsValidTag(tag)) is { } invalid)
        {
            errors["tags"] = [$"Each tag is 1 to {MaxTagLength} letters, digits, '-', '_' or '.'; got '{invalid}'."];
        }

        return errors;
    }

    private static bool IsValidTag(string? tag) =>
        tag is { Length: > 0 and <= MaxTagLength } && tag.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.');
}
