namespace Macha.Core.Approvals;

/// <summary>Settings of the approval queue; bound from the <c>Macha:Approvals</c> section.</summary>
public sealed class ApprovalOptions
{
    public const string SectionName = "Macha:Approvals";

    /// <summary>
    /// How long an approval may stay Pending. After that nobody can approve it, and
    /// <see cref="ApprovalQueue.ExpireDueAsync"/> marks it Expired.
    /// </summary>
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromHours(24);
}
