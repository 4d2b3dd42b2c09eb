namespace Macha.Core.Notifications;

/// <summary>
/// Something outside the health cycle that may be worth a notification. Incident changes and pauses
/// are not here: the notifier reads them from <see cref="Cycle.CycleEvents"/> and
/// <see cref="Actions.Autonomy.AutonomyEvents"/>.
/// </summary>
public abstract record NotificationEvent;

/// <summary>An action was queued and waits for a person.</summary>
/// <param name="Command">The exact command that would run, as the approval shows it.</param>
/// <param name="Reason">Why Macha proposes it; may come from the model, so it is escaped before it is sent.</param>
public sealed record ApprovalWaiting(
    Guid ApprovalId,
    string HostName,
    string ActionKind,
    string Risk,
    IReadOnlyList<string> Command,
    string Reason) : NotificationEvent;

/// <summary>An action has finished, either one Macha ran by itself or one a person approved.</summary>
/// <param name="Target">What the action changed, such as a unit name; null when it has no single target.</param>
/// <param name="DedupKey">The action request's dedup key: the same host, kind and arguments give the same key.</param>
/// <param name="Outcome">What happened, in a sentence; may quote command output, so it is escaped before it is sent.</param>
/// <param name="RolledBack">Whether the action failed and an undo, such as a NixOS rollback, ran afterwards.</param>
/// <param name="ApprovalId">The approval a person granted for it; null for an automatic action.</param>
/// <param name="ApprovedBy">Who approved it: a user name, or the API token's actor name; null for an automatic action.</param>
public sealed record ActionFinished(
    string HostName,
    string ActionKind,
    string? Target,
    bool Succeeded,
    string Outcome,
    string DedupKey,
    bool RolledBack = false,
    Guid? ApprovalId = null,
    string? ApprovedBy = null) : NotificationEvent;

/// <summary>What a dependency is, for the wording and priority of its notifications.</summary>
public enum DependencyKind
{
    /// <summary>A service Macha uses, such as Ollama or ChromaDB.</summary>
    Service,

    /// <summary>A managed host.</summary>
    Host,
}

/// <summary>
/// The latest state of a dependency. Only a change between down and up produces a notification, so a
/// source may report the same state every cycle.
/// </summary>
/// <param name="Name">A stable name, such as <c>ollama</c>, <c>chromadb</c> or the host's name.</param>
/// <param name="Detail">Why it is down, or what responded; escaped before it is sent.</param>
public sealed record DependencyStateChanged(string Name, DependencyKind Kind, bool IsDown, string Detail) : NotificationEvent;

/// <summary>
/// Takes events for notification. <see cref="Publish"/> never blocks and never throws, so a caller on
/// the path of a health cycle, an approval or an action is never slowed or failed by Gotify.
/// </summary>
public interface INotificationSink
{
    void Publish(NotificationEvent notificationEvent);
}
