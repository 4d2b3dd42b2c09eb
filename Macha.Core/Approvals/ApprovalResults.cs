namespace Macha.Core.Approvals;

/// <summary>What a caller asks a person to approve: the exact action, and the evidence behind it.</summary>
public sealed record ApprovalRequest
{
    public required string HostName { get; init; }

    public required string ActionKind { get; init; }

    /// <summary>The command as argv, stored as given for the executor to run without a shell.</summary>
    public required IReadOnlyList<string> Argv { get; init; }

    public required string Risk { get; init; }

    public required string Reason { get; init; }

    public string? Diagnosis { get; init; }

    public string? ExpectedEffect { get; init; }

    public string? Undo { get; init; }

    public string? DryRunOutput { get; init; }

    public Guid? IncidentId { get; init; }

    /// <summary>The same key for the same proposal, so that repeats are not queued while one is Pending.</summary>
    public required string DedupKey { get; init; }

    /// <summary>The proposal as JSON, for execution to rebuild and validate the request again.</summary>
    public string? ProposalJson { get; init; }
}

/// <param name="Approval">The new approval, or the Pending one with the same dedup key.</param>
/// <param name="IsDuplicate">True when nothing was queued because an approval with the same key was Pending.</param>
public sealed record ApprovalEnqueueResult(ApprovalRecord Approval, bool IsDuplicate);

public enum ApprovalChangeStatus
{
    Changed,
    NotFound,

    /// <summary>The approval is no longer in the state the change needs, such as one already decided.</summary>
    Conflict,
}

/// <param name="Approval">The approval as stored after the attempt; null when it does not exist.</param>
public sealed record ApprovalChangeResult(ApprovalChangeStatus Status, ApprovalRecord? Approval)
{
    public bool Changed => Status == ApprovalChangeStatus.Changed;
}

/// <summary>One page of approvals, newest first.</summary>
/// <param name="Page">The page number, starting at 1.</param>
/// <param name="TotalCount">Approvals that match the filter on all pages.</param>
public sealed record ApprovalPage(IReadOnlyList<ApprovalRecord> Items, int Page, int PageSize, int TotalCount);

/// <summary>
/// Which approvals a list returns. Every set property must match. Since is inclusive and until
/// exclusive, both on the time the approval was created.
/// </summary>
public sealed record ApprovalFilter
{
    public ApprovalState? State { get; init; }

    /// <summary>The host's name, matched exactly.</summary>
    public string? HostName { get; init; }

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }
}
