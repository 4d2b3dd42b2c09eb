using System.Linq.Expressions;
using Macha.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;

namespace Macha.Core.Approvals;

/// <summary>
/// Moves one approval from one state to another and records the transition, in one transaction.
/// </summary>
/// <remarks>
/// The state check and the change are a single conditional UPDATE (<c>WHERE Id = @id AND State =
/// @from</c>), and only the caller whose UPDATE changed the row writes the transition. SQLite runs
/// one write transaction at a time, even across processes, so of any number of racing callers
/// exactly one UPDATE changes the row. Reading the state first and writing it afterwards would let
/// two callers both read Pending.
/// </remarks>
internal static class ApprovalTransitionWriter
{
    /// <param name="setOtherColumns">Sets the columns besides State and ChangedAt that this change fills.</param>
    /// <param name="condition">A further condition on the row, such as its age; null for none.</param>
    /// <returns>True when this call made the change; false when the approval was not in <paramref name="from"/>.</returns>
    public static async Task<bool> TryMoveAsync(
        MachaDbContext db,
        Guid approvalId,
        ApprovalState from,
        ApprovalState to,
        string actor,
        string? comment,
        DateTimeOffset at,
        Action<UpdateSettersBuilder<ApprovalRecord>>? setOtherColumns = null,
        Expression<Func<ApprovalRecord, bool>>? condition = null,
        CancellationToken cancellationToken = default)
    {
        // The UPDATE is the transaction's first statement, so the transaction takes the write lock
        // before it reads anything. A caller that finds the lock taken waits up to the connection's
        // timeout, and never holds a read lock that it would need to upgrade.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        var rows = db.Approvals.Where(a => a.Id == approvalId && a.State == from);
        if (condition is not null)
        {
            rows = rows.Where(condition);
        }

        var changed = await rows.ExecuteUpdateAsync(
            setters =>
            {
                setters.SetProperty(a => a.State, to).SetProperty(a => a.ChangedAt, at);
                setOtherColumns?.Invoke(setters);
            },
            cancellationToken);
        if (changed != 1)
        {
            // Disposing the transaction rolls it back; nothing was written.
            return false;
        }

        db.ApprovalTransitions.Add(new ApprovalTransition
        {
            ApprovalId = approvalId,
            From = from,
            To = to,
            Actor = actor,
            Comment = comment,
            At = at,
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }
}
