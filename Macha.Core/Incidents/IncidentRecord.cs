namespace Macha.Core.Incidents;

public enum IncidentState
{
    /// <summary>Seen in one cycle so far, or seen again after it was resolved.</summary>
    Open,

    /// <summary>Seen in two or more cycles in a row.</summary>
    Ongoing,

    /// <summary>Not seen for the configured number of clean cycles.</summary>
    Resolved,
}

/// <summary>
/// One problem on one host across cycles: the findings that share a fingerprint. It opens when the
/// finding first appears, resolves after enough clean cycles, and reopens if the problem returns.
/// </summary>
public sealed class IncidentRecord
{
    public Guid Id { get; set; }

    public required string Fingerprint { get; set; }

    public required string HostName { get; set; }

    public required string Kind { get; set; }

    public required string Subject { get; set; }

    public IncidentState State { get; set; }

    /// <summary>Severity of the latest finding.</summary>
    public required string Severity { get; set; }

    /// <summary>Summary of the latest finding.</summary>
    public required string Summary { get; set; }

    /// <summary>Evidence of the latest finding.</summary>
    public required string Evidence { get; set; }

    public DateTimeOffset OpenedAt { get; set; }

    public DateTimeOffset LastSeenAt { get; set; }

    public DateTimeOffset? ResolvedAt { get; set; }

    /// <summary>Cycles that saw the finding since the incident last opened.</summary>
    public int CyclesSeen { get; set; }

    /// <summary>Cycles in a row whose checks ran and did not see the finding.</summary>
    public int CleanCycles { get; set; }

    public int ReopenCount { get; set; }

    /// <summary>When the incident last opened, reopened, changed severity or resolved.</summary>
    public DateTimeOffset ChangedAt { get; set; }

    /// <summary>Why the incident last changed, in one sentence for the dashboard and the audit trail.</summary>
    public string? ChangeReason { get; set; }
}

public enum IncidentChangeKind
{
    Opened,
    Reopened,
    SeverityChanged,
    Resolved,
}

/// <summary>
/// A change that matters downstream: new, reopened and severity-changed incidents go to analysis
/// and notification; an unchanged ongoing incident produces no change and costs nothing.
/// </summary>
public sealed record IncidentChange(Guid IncidentId, string HostName, string Fingerprint, IncidentChangeKind Kind, string Reason)
{
    /// <summary>The incident's finding kind, such as <c>FailedUnit</c>; empty when the producer did not set it.</summary>
    public string IncidentKind { get; init; } = "";

    public string Subject { get; init; } = "";

    /// <summary>The incident's severity after the change, such as <c>Critical</c>.</summary>
    public string Severity { get; init; } = "";

    /// <summary>The summary of the incident's latest finding, written by a detector.</summary>
    public string Summary { get; init; } = "";
}
