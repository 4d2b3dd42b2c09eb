namespace Macha.Core.Notifications;

public enum NotifierState
{
    /// <summary><see cref="NotificationOptions.GotifyUrl"/> is not set, so nothing is sent.</summary>
    NotConfigured,

    /// <summary>Configured, and the last attempt, if any, succeeded.</summary>
    Ok,

    /// <summary>The last attempt failed after every retry: Gotify down, slow or returning 5xx.</summary>
    Degraded,

    /// <summary>Gotify rejected the token (401 or 403), or the token file gives none; nothing is sent until the configuration changes.</summary>
    Misconfigured,
}

/// <summary>The notifier's state for the dashboard and <c>GET /api/notifications/status</c>.</summary>
/// <param name="Reason">Why the state is not Ok, naming what to fix; null when it is Ok.</param>
/// <param name="ApprovalLinks">Whether approval messages link to the dashboard, that is, whether <see cref="NotificationOptions.PublicUrl"/> is set.</param>
/// <param name="QueueLength">Notifications waiting to be sent.</param>
/// <param name="Dropped">Notifications dropped because the queue was full.</param>
/// <param name="Suppressed">Notifications not sent because the same one went out within the cooldown.</param>
/// <param name="SkippedWhileMisconfigured">Notifications discarded while the notifier was misconfigured.</param>
/// <param name="Held">Notifications held until the quiet hours end.</param>
public sealed record NotificationStatus(
    NotifierState State,
    string? Reason,
    bool ApprovalLinks,
    DateTimeOffset? LastSentAt,
    DateTimeOffset? LastFailureAt,
    int QueueLength,
    long Sent,
    long Failed,
    long Dropped,
    long Suppressed,
    long SkippedWhileMisconfigured,
    int Held)
{
    public bool Configured => State != NotifierState.NotConfigured;

    public bool Ok => State == NotifierState.Ok;

    public bool Misconfigured => State == NotifierState.Misconfigured;
}

/// <summary>The notifier's state for the dashboard, the API and the dependency overview.</summary>
public interface INotificationStatusProvider
{
    NotificationStatus GetStatus();

    Dependencies.DependencyStatus GetDependencyStatus();
}
