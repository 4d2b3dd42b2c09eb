namespace Macha.Core.Discussions;

public enum DiscussionReplyStatus
{
    /// <summary>The model replied; the question and the reply are stored.</summary>
    Replied,

    /// <summary>No approval or incident has the id.</summary>
    NotFound,

    /// <summary>The question was empty or too long.</summary>
    Invalid,

    /// <summary>Analysis is disabled, so no model is asked.</summary>
    Disabled,

    /// <summary>The model server could not be reached, failed or timed out; nothing is stored, so the person can ask again.</summary>
    ModelUnavailable,
}

/// <param name="Reply">The stored reply when <see cref="Status"/> is Replied; otherwise null.</param>
/// <param name="Error">Why there is no reply, in a sentence a person can act on; null when there is one.</param>
public sealed record DiscussionReply(DiscussionReplyStatus Status, DiscussionMessage? Question, DiscussionMessage? Reply, string? Error)
{
    public static DiscussionReply Failed(DiscussionReplyStatus status, string error) => new(status, null, null, error);
}
