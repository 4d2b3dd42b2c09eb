namespace Macha.Core.Storage.Audit;

/// <summary>
/// The audit entry types Macha writes. The set is open: a new subsystem may add its own dotted
/// name, and readers must accept types they do not know.
/// </summary>
public static class AuditEventTypes
{
    public const string Decision = "decision";

    public const string ActionQueued = "action.queued";
    public const string ActionRefused = "action.refused";
    public const string ActionRateLimited = "action.rate_limited";
    public const string ActionStarted = "action.started";
    public const string ActionSucceeded = "action.succeeded";
    public const string ActionFailed = "action.failed";
    public const string ActionUndone = "action.undone";
    public const string ActionInterrupted = "action.interrupted";

    public const string ApprovalApproved = "approval.approved";
    public const string ApprovalRejected = "approval.rejected";
    public const string ApprovalExpired = "approval.expired";
    public const string ApprovalWithdrawn = "approval.withdrawn";

    public const string AutonomyPaused = "autonomy.paused";
    public const string AutonomyResumed = "autonomy.resumed";

    /// <summary>
    /// Written by the writer itself when it finds that the file ended in a torn line, the remains
    /// of a crash during a write. Its data names that line and its length in bytes.
    /// </summary>
    public const string TornLine = "audit.torn_line";
}
