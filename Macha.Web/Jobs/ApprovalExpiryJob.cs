using Macha.Core.Approvals;
using Quartz;

namespace Macha.Web.Jobs;

/// <summary>Marks Expired the Pending approvals older than their time to live; scheduled every minute.</summary>
/// <remarks>
/// Approving an overdue approval already fails, so this job only makes the state visible sooner. A
/// minute keeps an expired approval shown as Pending for at most about that long.
/// </remarks>
[DisallowConcurrentExecution]
internal sealed class ApprovalExpiryJob(ApprovalQueue queue) : IJob
{
    public static readonly JobKey Key = new("approval-expiry", "macha");

    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        await queue.ExpireDueAsync(cancellationToken);
    }
}
