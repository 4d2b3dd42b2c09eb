using System.Text.Json;

namespace Macha.Core.Approvals;

/// <summary>
/// The life of an approval. Pending leads to Approved, Rejected, Expired or Withdrawn. Approved leads
/// to Running, or to Failed when Macha stopped before starting it. Running ends as Succeeded, Failed,
/// or Interrupted when Macha stopped during execution.
/// </summary>
public enum ApprovalState
{
    Pending,
    Approved,
    Running,
    Succeeded,
    Failed,

    /// <summary>Macha stopped while the action ran, so its outcome is unknown. The queue never starts it again.</summary>
    Interrupted,
    Rejected,

    /// <summary>Nobody decided within <see cref="ApprovalOptions.TimeToLive"/>.</summary>
    Expired,

    /// <summary>Macha took the request back, such as when the incident resolved by itself.</summary>
    Withdrawn,
}

/// <summary>
/// One action waiting for, or decided by, a person: exactly what would run, why, and its current
/// state. The action is stored as plain data so that the queue does not depend on the action types.
/// </summary>
public sealed class ApprovalRecord
{
    public Guid Id { get; set; }

    public ApprovalState State { get; set; }

    public required string HostName { get; set; }

    /// <summary>The action kind's name, such as <c>restart-unit</c>.</summary>
    public required string ActionKind { get; set; }

    /// <summary>The exact command as a JSON array of strings, for the executor to run as argv without a shell.</summary>
    public required string ArgvJson { get; set; }

    /// <summary>The risk that Macha's policy assigned, such as <c>Low</c>.</summary>
    public required string Risk { get; set; }

    /// <summary>Why Macha proposes the action.</summary>
    public required string Reason { get; set; }

    public string? Diagnosis { get; set; }

    public string? ExpectedEffect { get; set; }

    /// <summary>How to undo the action; null when it has no undo.</summary>
    public string? Undo { get; set; }

    /// <summary>Output of a dry run of the action; null when it has none.</summary>
    public string? DryRunOutput { get; set; }

    public Guid? IncidentId { get; set; }

    /// <summary>
    /// Identifies the same proposal across cycles. At most one Pending approval has a given key; the
    /// database enforces this with a unique index filtered to Pending rows.
    /// </summary>
    public required string DedupKey { get; set; }

    /// <summary>
    /// The proposal the action came from, as JSON. Execution rebuilds the typed request from it and
    /// validates it again, so what runs never depends on the stored argv alone.
    /// </summary>
    public string? ProposalJson { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Time of the latest transition.</summary>
    public DateTimeOffset ChangedAt { get; set; }

    /// <summary>Who approved, rejected, expired or withdrew the approval; null while it is Pending.</summary>
    public string? DecidedBy { get; set; }

    public DateTimeOffset? DecidedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>What happened when the action ran, or why it was interrupted.</summary>
    public string? Outcome { get; set; }

    /// <summary>Reads <see cref="ArgvJson"/> back into the argument list.</summary>
    public IReadOnlyList<string> ReadArgv() =>
        JsonSerializer.Deserialize<List<string>>(ArgvJson) ?? [];
}

/// <summary>One change of an approval's state: who made it, when, and why.</summary>
public sealed class ApprovalTransition
{
    public long Id { get; set; }

    public Guid ApprovalId { get; set; }

    /// <summary>The state before the change; null for the transition that created the approval.</summary>
    public ApprovalState? From { get; set; }

    public ApprovalState To { get; set; }

    /// <summary>A user name, <c>token:&lt;token name&gt;</c>, or <c>macha</c>; see <see cref="ApprovalActors"/>.</summary>
    public required string Actor { get; set; }

    public string? Comment { get; set; }

    public DateTimeOffset At { get; set; }
}
