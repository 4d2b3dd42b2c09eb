namespace Macha.Core.Notifications;

/// <summary>What a notification is about; the status and the digest count them by kind.</summary>
public enum NotificationKind
{
    IncidentOpened,
    IncidentResolved,
    ApprovalWaiting,
    ActionOutcome,
    DependencyDown,
    DependencyUp,
    AutonomyChanged,
    Digest,
    Test,
}

/// <summary>
/// Gotify priorities as its Android app shows them: 0 is the silent "min" channel, 1 to 3 low, 4 to 7
/// the default channel, 8 to 10 high (a pop-up). Macha always sends one explicitly, because an omitted
/// priority becomes the application's default, usually 0, and looks like a notification that never came.
/// </summary>
public static class NotificationPriority
{
    /// <summary>Lowest priority that counts as critical: it goes through quiet hours and is dropped last.</summary>
    public const int Critical = 8;

    public const int IncidentCritical = 8;
    public const int IncidentWarning = 5;
    public const int IncidentInfo = 3;
    public const int IncidentResolved = 2;
    public const int ApprovalWaiting = 6;
    public const int ActionFailed = 8;
    public const int ActionSucceeded = 3;
    public const int DependencyDown = 7;
    public const int HostUnreachable = 8;
    public const int DependencyUp = 3;
    public const int AutonomyChanged = 5;
    public const int Test = 5;

    public static bool IsCritical(int priority) => priority >= Critical;
}

/// <summary>
/// One message for Gotify: a plain-text title, a Markdown body whose outside text is already escaped,
/// and an optional link that Gotify's Android app opens on a tap.
/// </summary>
/// <param name="DedupKey">
/// Identity for the cooldown, built from fingerprints, ids and states, never from wording, so a
/// differently worded message about the same thing is still a repeat.
/// </param>
/// <param name="CycleRunId">The health cycle the notification came from, for the per-cycle digest; null for other sources.</param>
public sealed record Notification(
    NotificationKind Kind,
    string Title,
    string Message,
    int Priority,
    string DedupKey,
    Uri? ClickUrl = null,
    Guid? CycleRunId = null)
{
    public bool IsCritical => NotificationPriority.IsCritical(Priority);
}
