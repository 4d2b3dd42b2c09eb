namespace Macha.Core.Storage;

public enum CycleTrigger
{
    Scheduled,
    Manual,
}

public enum CycleState
{
    Queued,
    Running,
    Completed,

    /// <summary>The cycle itself failed; a failed collector or host does not make a cycle fail.</summary>
    Failed,

    /// <summary>Macha stopped while the cycle was queued or running.</summary>
    Interrupted,
}

/// <summary>One run of the health cycle, as stored.</summary>
public sealed class CycleRunRecord
{
    public Guid Id { get; set; }

    public CycleTrigger Trigger { get; set; }

    public CycleState State { get; set; }

    public DateTimeOffset RequestedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public double? DurationMs { get; set; }

    public int HostCount { get; set; }

    public int FindingCount { get; set; }

    public string? Error { get; set; }

    /// <summary>Each host's collector statuses, as JSON: a map from host name to a list of statuses.</summary>
    public string CollectorStatusesJson { get; set; } = "{}";
}

/// <summary>One host's snapshot, stored as JSON with the columns that queries filter on.</summary>
public sealed class SnapshotRecord
{
    public long Id { get; set; }

    public Guid CycleRunId { get; set; }

    public required string HostName { get; set; }

    public DateTimeOffset TakenAt { get; set; }

    public required string Json { get; set; }
}

/// <summary>One finding of one cycle, as stored.</summary>
public sealed class FindingRecord
{
    public long Id { get; set; }

    public Guid CycleRunId { get; set; }

    public long SnapshotId { get; set; }

    public required string HostName { get; set; }

    public required string Kind { get; set; }

    public required string Subject { get; set; }

    public required string Severity { get; set; }

    public required string Summary { get; set; }

    public required string Evidence { get; set; }

    public required string Fingerprint { get; set; }

    public DateTimeOffset DetectedAt { get; set; }
}
