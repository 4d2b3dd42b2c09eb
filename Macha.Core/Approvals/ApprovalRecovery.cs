using Macha.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace Macha.Core.Approvals;

/// <summary>Closes out approvals that a previous process left running.</summary>
internal static class ApprovalRecovery
{
    public const string InterruptedOutcome =
        "Macha stopped while the action ran, so its result is unknown. It will not be run again; check the host and approve a new request if it is still needed.";

    public const string NeverStartedOutcome =
        "Macha stopped after the approval and before the action started, so nothing ran. It will not be run now, because the host may have changed since; approve a new request if it is still needed.";

    /// <summary>
    /// Marks every Approved approval Failed, by <see cref="ApprovalActors.Macha"/>. An Approved row at
    /// start means the process stopped between the approval and the start of its execution, which
    /// only begins once the row is Running, so nothing ran for it. It is failed rather than run late,
    /// because the host may have changed since the person decided.
    /// </summary>
    /// <returns>The ids of the approvals marked Failed.</returns>
    public static async Task<IReadOnlyList<Guid>> FailApprovedAsync(
        MachaDbContext db,
        DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);

        var approved = await db.Approvals
            .Where(a => a.State == ApprovalState.Approved)
            .Select(a => a.Id)
            .ToListAsync(cancellationToken);

        var failed = new List<Guid>();
        foreach (var id in approved)
        {
            var changed = await ApprovalTransitionWriter.TryMoveAsync(
                db,
                id,
                ApprovalState.Approved,
                ApprovalState.Failed,
                ApprovalActors.Macha,
                NeverStartedOutcome,
                now,
                setters => setters
                    .SetProperty(a => a.FinishedAt, now)
                    .SetProperty(a => a.Outcome, NeverStartedOutcome),
                cancellationToken: cancellationToken);
            if (changed)
            {
                failed.Add(id);
            }
        }

        return failed;
    }

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
