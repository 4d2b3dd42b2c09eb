namespace Macha.Core.Discussions;

/// <summary>What a discussion is about.</summary>
public enum DiscussionSubject
{
    Approval,
    Incident,
}

public enum DiscussionRole
{
    /// <summary>A person's question.</summary>
    User,

    /// <summary>The model's reply.</summary>
    Assistant,
}

/// <summary>One message of a conversation about an approval or an incident, kept with that item.</summary>
public sealed class DiscussionMessage
{
    public long Id { get; set; }

    public DiscussionSubject Subject { get; set; }

    /// <summary>The id of the approval or incident the message belongs to.</summary>
    public Guid SubjectId { get; set; }

    public DiscussionRole Role { get; set; }

    /// <summary>The person who asked, or the model's name for a reply.</summary>
    public required string Author { get; set; }

    public required string Text { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>The read-only tool calls the model made for this reply, as JSON; "[]" for a question.</summary>
    public string ToolCallsJson { get; set; } = "[]";
}
