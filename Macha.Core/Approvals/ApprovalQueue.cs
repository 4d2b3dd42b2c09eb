using System.Text.Json;
using System.Text.Json.Nodes;
using Macha.Core.Events;
using Macha.Core.Notifications;
using Macha.Core.Storage;
using Macha.Core.Storage.Audit;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Approvals;

/// <summary>
/// The durable queue of actions that wait for a person, and the only code that changes an
/// approval's state.
/// </summary>
/// <remarks>
/// Every state change is one conditional UPDATE in SQLite (see <see cref="ApprovalTransitionWriter"/>),
/// so of any number of callers racing to make the same change, in this process or another one on
/// the same database, exactly one succeeds. An executor that runs an approval only after
/// <see cref="TryStartExecutionAsync"/> returned true therefore runs it at most once. Approvals are
/// addressed by their GUID, never by a position in a list. A person's approval or rejection, and
/// an expiry, also go to <c>actions.jsonl</c> as <c>approval.approved</c>, <c>approval.rejected</c>
/// and <c>approval.expired</c> lines, written by the caller whose UPDATE made the change.
/// </remarks>
internal sealed partial class ApprovalQueue
{
    public const int MaxPageSize = 500;

    // SQLite's extended result code for a UNIQUE constraint violation (SQLITE_CONSTRAINT_UNIQUE).
    private const int SqliteConstraintUnique = 2067;
    private const int MaxActorLength = 200;
    private const string ExpiredComment = "Nobody decided before the approval expired.";

    private readonly IDbContextFactory<MachaDbContext> _databases;
    private readonly IAuditLog _audit;
    private readonly IOptionsMonitor<ApprovalOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ApprovalQueue> _logger;
    private readonly INotificationSink? _notifications;
    private readonly MachaEvents? _events;

    /// <param name="notifications">Told about each newly queued approval; null sends no notifications.</param>
    /// <param name="events">Where new approvals and state changes are published for live views; null publishes nothing.</param>
    public ApprovalQueue(
        IDbContextFactory<MachaDbContext> databases,
        IAuditLog audit,
        IOptionsMonitor<ApprovalOptions> options,
        TimeProvider timeProvider,
        ILogger<ApprovalQueue> logger,
        INotificationSink? notifications = null,
        MachaEvents? events = null)
    {
        _databases = databases;
        _audit = audit;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _notifications = notifications;
        _events = events;
    }

    /// <summary>
    /// Stores a new Pending approval, unless one with the same dedup key is Pending already; then
    /// returns that one and stores nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A required field of <paramref name="request"/> is empty.</exception>
    public async Task<ApprovalEnqueueResult> EnqueueAsync(ApprovalRequest request, CancellationToken cancellationToken = default)
    {
        Validate(request);

        var existing = await FindPendingAsync(request.DedupKey, cancellationToken);
        if (existing is not null)
        {
            LogDuplicateSuppressed(existing.Id, request.DedupKey);
            return new ApprovalEnqueueResult(existing, IsDuplicate: true);
        }

        var now = _timeProvider.GetUtcNow();
        var approval = new ApprovalRecord
        {
            Id = Guid.NewGuid(),
            State = ApprovalState.Pending,
            HostName = request.HostName,
            ActionKind = request.ActionKind,
            ArgvJson = JsonSerializer.Serialize(request.Argv),
            Risk = request.Risk,
            Reason = request.Reason,
            Diagnosis = request.Diagnosis,
            ExpectedEffect = request.ExpectedEffect,
            Undo = request.Undo,
            DryRunOutput = request.DryRunOutput,
            IncidentId = request.IncidentId,
            DedupKey = request.DedupKey,
            ProposalJson = request.ProposalJson,
            CreatedAt = now,
            ChangedAt = now,
        };

        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        db.Approvals.Add(approval);
        db.ApprovalTransitions.Add(new ApprovalTransition
        {
            ApprovalId = approval.Id,
            From = null,
            To = ApprovalState.Pending,
            Actor = ApprovalActors.Macha,
            Comment = request.Reason,
            At = now,
        });

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is SqliteException { SqliteExtendedErrorCode: SqliteConstraintUnique })
        {
            // Another caller queued the same proposal between the lookup above and this insert; the
            // unique index on Pending dedup keys rejected this copy.
            var winner = await FindPendingAsync(request.DedupKey, cancellationToken);
            if (winner is null)
            {
                // The other copy was decided in the meantime, so the conflict is gone; the caller may retry.
                throw;
            }

            LogDuplicateSuppressed(winner.Id, request.DedupKey);
            return new ApprovalEnqueueResult(winner, IsDuplicate: true);
        }

        LogApprovalQueued(approval.Id, approval.HostName, approval.ActionKind, approval.Risk);
        _notifications?.Publish(new ApprovalWaiting(approval.Id, approval.HostName, approval.ActionKind, approval.Risk, request.Argv, approval.Reason));
        _events?.Publish(new ApprovalChanged(approval.Id, ApprovalState.Pending, now));
        return new ApprovalEnqueueResult(approval, IsDuplicate: false);
    }

    /// <summary>Returns whether an approval with <paramref name="dedupKey"/> is Pending.</summary>
    public async Task<bool> IsPendingAsync(string dedupKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dedupKey);
        return await FindPendingAsync(dedupKey, cancellationToken) is not null;
    }

    /// <summary>Returns one page of approvals, newest first, optionally only those in <paramref name="state"/>.</summary>
    /// <param name="page">The page number, starting at 1.</param>
    /// <param name="pageSize">Approvals per page, from 1 to <see cref="MaxPageSize"/>.</param>
    public Task<ApprovalPage> ListAsync(
        ApprovalState? state = null,
        int page = 1,
        int pageSize = 50,
        CancellationToken cancellationToken = default) =>
        ListMatchingAsync(new ApprovalFilter { State = state }, page, pageSize, cancellationToken);

    /// <summary>Returns one page of the approvals that match <paramref name="filter"/>, newest first.</summary>
    /// <param name="page">The page number, starting at 1.</param>
    /// <param name="pageSize">Approvals per page, from 1 to <see cref="MaxPageSize"/>.</param>
    public async Task<ApprovalPage> ListMatchingAsync(
        ApprovalFilter filter,
        int page = 1,
        int pageSize = 50,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(page, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxPageSize);

        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var query = db.Approvals.AsNoTracking();
        if (filter.State is { } wanted)
        {
            query = query.Where(a => a.State == wanted);
        }

        if (!string.IsNullOrEmpty(filter.HostName))
        {
            query = query.Where(a => a.HostName == filter.HostName);
        }

        if (filter.Since is { } since)
        {
            query = query.Where(a => a.CreatedAt >= since);
        }

        if (filter.Until is { } until)
        {
            query = query.Where(a => a.CreatedAt < until);
        }

        var total = await query.CountAsync(cancellationToken);
        var items = await query
            .OrderByDescending(a => a.CreatedAt)
            .ThenBy(a => a.Id)
            .Skip((page - 1) * pageSize)
            .Take(pageSize)
            .ToListAsync(cancellationToken);
        return new ApprovalPage(items, page, pageSize, total);
    }

    /// <summary>Returns the approval with <paramref name="id"/>, or null when there is none.</summary>
    public async Task<ApprovalRecord?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        return await db.Approvals.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
    }

    /// <summary>Returns every transition of the approval, oldest first; empty when there is no such approval.</summary>
    public async Task<IReadOnlyList<ApprovalTransition>> GetTransitionsAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        return await db.ApprovalTransitions
            .AsNoTracking()
            .Where(t => t.ApprovalId == id)
            .OrderBy(t => t.Id)
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Moves a Pending approval to Approved. An approval older than <see cref="ApprovalOptions.TimeToLive"/>
    /// is expired instead, and the result is a conflict.
    /// </summary>
    /// <param name="actor">A user name or <see cref="ApprovalActors.ApiToken"/>.</param>
    public async Task<ApprovalChangeResult> ApproveAsync(Guid id, string actor, string? comment = null, CancellationToken cancellationToken = default)
    {
        ValidateActor(actor);

        var now = _timeProvider.GetUtcNow();
        var expiresBefore = now - _options.CurrentValue.TimeToLive;
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var changed = await ApprovalTransitionWriter.TryMoveAsync(
            db,
            id,
            ApprovalState.Pending,
            ApprovalState.Approved,
            actor,
            comment,
            now,
            setters => setters.SetProperty(a => a.DecidedBy, actor).SetProperty(a => a.DecidedAt, now),
            a => a.CreatedAt > expiresBefore,
            cancellationToken);
        if (changed)
        {
            var result = await ChangedAsync(db, id, ApprovalState.Pending, actor, cancellationToken);
            await AuditDecisionAsync(AuditEventTypes.ApprovalApproved, result.Approval!, actor, comment, now);
            return result;
        }

        // The approval may be Pending only because the expiry pass has not run yet. The read skips
        // a second write transaction for the common conflict, and the expiry itself stays conditional.
        var current = await db.Approvals.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (current is { State: ApprovalState.Pending } && current.CreatedAt <= expiresBefore
            && await TryExpireAsync(db, id, expiresBefore, now, cancellationToken))
        {
            await OnExpiredAsync(db, id, now, cancellationToken);
        }

        return await ConflictAsync(db, id, ApprovalState.Approved, actor, cancellationToken);
    }

    /// <summary>Moves a Pending approval to Rejected; nothing runs.</summary>
    /// <param name="actor">A user name or <see cref="ApprovalActors.ApiToken"/>.</param>
    public async Task<ApprovalChangeResult> RejectAsync(Guid id, string actor, string? comment = null, CancellationToken cancellationToken = default)
    {
        ValidateActor(actor);

        var now = _timeProvider.GetUtcNow();
        var result = await MoveAsync(
            id,
            ApprovalState.Pending,
            ApprovalState.Rejected,
            actor,
            comment,
            now,
            setters => setters.SetProperty(a => a.DecidedBy, actor).SetProperty(a => a.DecidedAt, now),
            cancellationToken);
        if (result.Changed)
        {
            await AuditDecisionAsync(AuditEventTypes.ApprovalRejected, result.Approval!, actor, comment, now);
        }

        return result;
    }

    /// <summary>Moves a Pending approval to Withdrawn, by Macha, such as when the incident resolved by itself.</summary>
    public async Task<ApprovalChangeResult> WithdrawAsync(Guid id, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);

        var now = _timeProvider.GetUtcNow();
        return await MoveAsync(
            id,
            ApprovalState.Pending,
            ApprovalState.Withdrawn,
            ApprovalActors.Macha,
            reason,
            now,
            setters => setters
                .SetProperty(a => a.DecidedBy, ApprovalActors.Macha)
                .SetProperty(a => a.DecidedAt, now)
                .SetProperty(a => a.Outcome, reason),
            cancellationToken);
    }

    /// <summary>Returns the ids of the Pending approvals that were queued for <paramref name="incidentId"/>.</summary>
    public async Task<IReadOnlyList<Guid>> ListPendingIdsForIncidentAsync(Guid incidentId, CancellationToken cancellationToken = default)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        return await db.Approvals
            .AsNoTracking()
            .Where(a => a.IncidentId == incidentId && a.State == ApprovalState.Pending)
            .Select(a => a.Id)
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Marks Expired every Pending approval created <see cref="ApprovalOptions.TimeToLive"/> or longer ago.
    /// </summary>
    /// <returns>How many approvals this call expired.</returns>
    public async Task<int> ExpireDueAsync(CancellationToken cancellationToken = default)
    {
        var now = _timeProvider.GetUtcNow();
        var expiresBefore = now - _options.CurrentValue.TimeToLive;

        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var due = await db.Approvals
            .Where(a => a.State == ApprovalState.Pending && a.CreatedAt <= expiresBefore)
            .Select(a => a.Id)
            .ToListAsync(cancellationToken);

        // Each one is a conditional update of its own, so an approval decided since the query above
        // stays decided.
        var expired = 0;
        foreach (var id in due)
        {
            if (await TryExpireAsync(db, id, expiresBefore, now, cancellationToken))
            {
                await OnExpiredAsync(db, id, now, cancellationToken);
                expired++;
            }
        }

        return expired;
    }

    /// <summary>
    /// Moves an Approved approval to Running. Of any number of concurrent callers, in any process
    /// using the same database, exactly one gets true, and only that caller may run the action.
    /// </summary>
    /// <param name="actor">Who starts the execution, usually <see cref="ApprovalActors.Macha"/>.</param>
    public async Task<bool> TryStartExecutionAsync(Guid id, string actor, CancellationToken cancellationToken = default)
    {
        ValidateActor(actor);

        var now = _timeProvider.GetUtcNow();
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var started = await ApprovalTransitionWriter.TryMoveAsync(
            db,
            id,
            ApprovalState.Approved,
            ApprovalState.Running,
            actor,
            comment: null,
            now,
            setters => setters.SetProperty(a => a.StartedAt, now),
            cancellationToken: cancellationToken);
        if (started)
        {
            LogExecutionStarted(id, actor);
            _events?.Publish(new ApprovalChanged(id, ApprovalState.Running, now));
        }
        else
        {
            LogExecutionNotStarted(id, actor);
        }

        return started;
    }

    /// <summary>Moves a Running approval to Succeeded or Failed, by Macha, and stores the outcome.</summary>
    /// <param name="outcome">What happened, in a sentence or two, shown to people and kept in the transition.</param>
    public async Task<ApprovalChangeResult> CompleteAsync(Guid id, bool succeeded, string outcome, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outcome);

        var now = _timeProvider.GetUtcNow();
        return await MoveAsync(
            id,
            ApprovalState.Running,
            succeeded ? ApprovalState.Succeeded : ApprovalState.Failed,
            ApprovalActors.Macha,
            outcome,
            now,
            setters => setters.SetProperty(a => a.FinishedAt, now).SetProperty(a => a.Outcome, outcome),
            cancellationToken);
    }

    private static void Validate(ApprovalRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.HostName, nameof(request));
        ArgumentException.ThrowIfNullOrWhiteSpace(request.ActionKind, nameof(request));
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Risk, nameof(request));
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Reason, nameof(request));
        ArgumentException.ThrowIfNullOrWhiteSpace(request.DedupKey, nameof(request));
        ArgumentNullException.ThrowIfNull(request.Argv, nameof(request));
        if (request.Argv.Count == 0 || request.Argv.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException(
                $"The argv of a {request.ActionKind} approval for {request.HostName} must contain at least one element, and no element may be null or empty.",
                nameof(request));
        }
    }

    private static void ValidateActor(string actor)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        if (actor.Length > MaxActorLength)
        {
            throw new ArgumentException($"An actor name may have at most {MaxActorLength} characters; got {actor.Length}.", nameof(actor));
        }
    }

    private static Task<bool> TryExpireAsync(
        MachaDbContext db,
        Guid id,
        DateTimeOffset expiresBefore,
        DateTimeOffset now,
        CancellationToken cancellationToken) =>
        ApprovalTransitionWriter.TryMoveAsync(
            db,
            id,
            ApprovalState.Pending,
            ApprovalState.Expired,
            ApprovalActors.Macha,
            ExpiredComment,
            now,
            setters => setters.SetProperty(a => a.DecidedBy, ApprovalActors.Macha).SetProperty(a => a.DecidedAt, now),
            a => a.CreatedAt <= expiresBefore,
            cancellationToken);

    private async Task OnExpiredAsync(MachaDbContext db, Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        LogApprovalExpired(id);
        _events?.Publish(new ApprovalChanged(id, ApprovalState.Expired, now));
        var approval = await db.Approvals.AsNoTracking().SingleAsync(a => a.Id == id, cancellationToken);
        await AuditDecisionAsync(AuditEventTypes.ApprovalExpired, approval, ApprovalActors.Macha, ExpiredComment, now);
    }

    // Writes one line to actions.jsonl for a decided approval.
    private async Task AuditDecisionAsync(string type, ApprovalRecord approval, string actor, string? comment, DateTimeOffset decidedAt)
    {
        var data = new JsonObject
        {
            ["approval_id"] = approval.Id,
            ["kind"] = approval.ActionKind,
            ["risk"] = approval.Risk,
            ["argv"] = new JsonArray([.. approval.ReadArgv().Select(arg => (JsonNode)arg)]),
            ["state"] = approval.State.ToString(),
            ["comment"] = comment,
            ["decided_at"] = decidedAt,
            ["created_at"] = approval.CreatedAt,
        };
        try
        {
            await _audit.AppendAsync(
                AuditFile.Actions,
                new AuditEvent(type, actor, approval.HostName, approval.IncidentId, data),
                CancellationToken.None);
        }
        catch (AuditWriteException)
        {
            // The decision is already stored in SQLite with its transition, and the audit log has
            // logged the file and the cause. Throwing would report a made decision as failed.
        }
    }

    private async Task<ApprovalRecord?> FindPendingAsync(string dedupKey, CancellationToken cancellationToken)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        return await db.Approvals
            .AsNoTracking()
            .SingleOrDefaultAsync(a => a.DedupKey == dedupKey && a.State == ApprovalState.Pending, cancellationToken);
    }

    private async Task<ApprovalChangeResult> MoveAsync(
        Guid id,
        ApprovalState from,
        ApprovalState to,
        string actor,
        string? comment,
        DateTimeOffset now,
        Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<ApprovalRecord>> setOtherColumns,
        CancellationToken cancellationToken)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var changed = await ApprovalTransitionWriter.TryMoveAsync(db, id, from, to, actor, comment, now, setOtherColumns, cancellationToken: cancellationToken);
        return changed
            ? await ChangedAsync(db, id, from, actor, cancellationToken)
            : await ConflictAsync(db, id, to, actor, cancellationToken);
    }

    private async Task<ApprovalChangeResult> ChangedAsync(MachaDbContext db, Guid id, ApprovalState from, string actor, CancellationToken cancellationToken)
    {
        var approval = await db.Approvals.AsNoTracking().SingleAsync(a => a.Id == id, cancellationToken);
        LogApprovalChanged(id, from, approval.State, actor);
        _events?.Publish(new ApprovalChanged(id, approval.State, approval.ChangedAt));
        return new ApprovalChangeResult(ApprovalChangeStatus.Changed, approval);
    }

    private async Task<ApprovalChangeResult> ConflictAsync(MachaDbContext db, Guid id, ApprovalState requested, string actor, CancellationToken cancellationToken)
    {
        // This read only reports the current state to the caller, because the UPDATE already decided.
        var approval = await db.Approvals.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (approval is null)
        {
            return new ApprovalChangeResult(ApprovalChangeStatus.NotFound, null);
        }

        LogApprovalChangeConflict(id, requested, approval.State, actor);
        return new ApprovalChangeResult(ApprovalChangeStatus.Conflict, approval);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Approval {ApprovalId} queued: {ActionKind} on host {HostName}, risk {Risk}")]
    private partial void LogApprovalQueued(Guid approvalId, string hostName, string actionKind, string risk);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Approval {ApprovalId} is already pending for dedup key {DedupKey}; nothing queued")]
    private partial void LogDuplicateSuppressed(Guid approvalId, string dedupKey);

    [LoggerMessage(Level = LogLevel.Information, Message = "Approval {ApprovalId} moved from {FromState} to {ToState} by {Actor}")]
    private partial void LogApprovalChanged(Guid approvalId, ApprovalState fromState, ApprovalState toState, string actor);

    [LoggerMessage(Level = LogLevel.Information, Message = "Approval {ApprovalId} not moved to {RequestedState} for {Actor}: it is {CurrentState}")]
    private partial void LogApprovalChangeConflict(Guid approvalId, ApprovalState requestedState, ApprovalState currentState, string actor);

    [LoggerMessage(Level = LogLevel.Information, Message = "Approval {ApprovalId} expired: nobody decided within the time to live")]
    private partial void LogApprovalExpired(Guid approvalId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Approval {ApprovalId} started running for {Actor}")]
    private partial void LogExecutionStarted(Guid approvalId, string actor);

    // Debug, because when many callers race for one approval all but one land here.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Approval {ApprovalId} not started for {Actor}: it is not Approved, or another caller started it")]
    private partial void LogExecutionNotStarted(Guid approvalId, string actor);
}
