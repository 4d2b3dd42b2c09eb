namespace Macha.Core.Knowledge;

/// <summary>
/// A record that <see cref="KnowledgeLearner"/> built from an action outcome and has not stored in
/// ChromaDB yet. It lives in SQLite, so it survives a restart and waits out a ChromaDB outage.
/// </summary>
public sealed class PendingLearningRecord
{
    public long Id { get; set; }

    /// <summary>The record's id in the incidents collection.</summary>
    public required string DocumentId { get; set; }

    public required string Title { get; set; }

    public required string Text { get; set; }

    /// <summary>The record's metadata as a JSON object of strings.</summary>
    public required string MetadataJson { get; set; }

    public DateTimeOffset QueuedAt { get; set; }

    /// <summary>Failed attempts to store it so far.</summary>
    public int Attempts { get; set; }

    /// <summary>Why the latest attempt failed, or null before the first attempt.</summary>
    public string? LastError { get; set; }
}
