namespace Macha.Core.Knowledge;

/// <summary>A record to store: its id, a title, the text, and scalar metadata such as host or outcome.</summary>
/// <param name="Id">Deterministic: a natural key or a content hash, so storing it again replaces it.</param>
public sealed record KnowledgeDocument(string Id, string Title, string Text, string Source, IReadOnlyDictionary<string, object>? Metadata = null);

/// <summary>One search result.</summary>
/// <param name="Similarity">1 minus the cosine distance: 1 for the same direction, 0 for unrelated, down to -1.</param>
public sealed record KnowledgeHit(
    string Collection,
    string Id,
    string Title,
    string Text,
    double Similarity,
    string Source,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>A note of the knowledge collection, as the API and the dashboard show it.</summary>
public sealed record KnowledgeNote(string Id, string Title, string Text, IReadOnlyList<string> Tags, string Source, DateTimeOffset? CreatedAt);

/// <summary>Where a record came from, stored in its "source" metadata.</summary>
public static class KnowledgeSources
{
    public const string Seed = "seed";
    public const string Person = "person";
    public const string Learned = "learned";
    public const string ConfigRepository = "config-repository";
}
