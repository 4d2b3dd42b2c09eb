namespace Macha.Core.Notifications;

/// <summary>
/// When a notification with this dedup key last went out, and at what priority, so the cooldown
/// survives a restart. Rows older than the cooldown are deleted at start and by the minute tick.
/// </summary>
public sealed class NotificationCooldownRecord
{
    public required string DedupKey { get; set; }

    public DateTimeOffset SentAt { get; set; }

    public int Priority { get; set; }
}

/// <summary>
/// The last reported state of a dependency (a service or a host), so a restart does not announce
/// a dependency as down again when it was already down before.
/// </summary>
public sealed class DependencyStateRecord
{
    /// <summary>The dependency's kind and name, such as <c>Service:Ollama</c>.</summary>
    public required string Key { get; set; }

    public bool IsDown { get; set; }

    public DateTimeOffset ChangedAt { get; set; }
}
