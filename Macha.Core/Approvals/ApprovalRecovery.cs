using Macha.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace Macha.Core.Approvals;

/// <summary>Closes out approvals that a previous process left running.</summary>
internal static class ApprovalRecovery
{
    public const string InterruptedOutcome =
        "Macha stopped while the action ran, so its result is unknown. It will not be run again; check the host and approve a new request if it is still needed.";

    /// <summary>
    /// Marks every Running approval Interrupted, by <see cref="ApprovalActors.Macha"/>. Call it at
    /// start, before anything can execute approvals, because a Running row then means the process
    /// that ran it is gone.
    /// </summary>
    /// <returns>The ids of the approvals marked Interrupted.</returns>
    public static async Task<IReadOnlyList<Guid>> InterruptRunningAsync(
        MachaDbContext db,
        DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);

        var running = await db.Approvals
            .Where(a => a.State == ApprovalState.Running)
            .Select(a => a.Id)
            .ToListAsync(cancellationToken);

        var interrupted = new List<Guid>();
        foreach (var id in running)
        {
            var changed = await ApprovalTransitionWriter.TryMoveAsync(
                db,
                id,
                ApprovalState.Running,
                ApprovalState.Interrupted,
                ApprovalActors.Macha,
                InterruptedOutcome,
                now,
                setters => setters
                    .SetProperty(a => a.FinishedAt, now)
                    .SetProperty(a => a.Outcome, InterruptedOutcome),
                cancellationToken: cancellationToken);
            if (changed)
            {
                interrupted.Add(id);
            }
        }

        return interrupted;
    }
}
