using System.Text.Json.Nodes;
using Macha.Core.Storage;
using Macha.Core.Storage.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Actions.Autonomy;

/// <summary>The state after a pause or resume request, and whether this request changed it.</summary>
/// <param name="Changed">False when autonomy already was in the requested state; then nothing was written.</param>
public sealed record AutonomyChangeResult(AutonomyState State, bool Changed);

/// <summary>
/// The "pause autonomy" switch. While paused, Macha acts as at autonomy level Observe whatever the
/// configured level: it runs nothing by itself, and every proposal is only recorded.
/// </summary>
/// <remarks>
/// The switch lives in SQLite, not in memory, so a pause survives restarts and every reader in any
/// process sees it once <see cref="PauseAsync"/> has returned. Each change is one conditional UPDATE
/// of the single settings row, so of two racing pauses exactly one records who paused and why.
/// Pauses and resumes are written to <c>decisions.jsonl</c> and published on <see cref="AutonomyEvents"/>.
/// </remarks>
public sealed partial class AutonomySwitch
{
    public const int MaxReasonLength = 500;
    public const int MaxActorLength = 200;

    private readonly IDbContextFactory<MachaDbContext> _databases;
    private readonly IOptionsMonitor<ActionOptions> _options;
    private readonly IAuditLog _audit;
    private readonly AutonomyEvents _events;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<AutonomySwitch> _logger;

    public AutonomySwitch(
        IDbContextFactory<MachaDbContext> databases,
        IOptionsMonitor<ActionOptions> options,
        IAuditLog audit,
        AutonomyEvents events,
        TimeProvider timeProvider,
        ILogger<AutonomySwitch> logger)
    {
        ArgumentNullException.ThrowIfNull(databases);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);

        _databases = databases;
        _options = options;
        _audit = audit;
        _events = events;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Reads the stored switch and combines it with the configured level.</summary>
    public async Task<AutonomyState> GetStateAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        return await ReadStateAsync(db, cancellationToken);
    }

    /// <summary>Pauses autonomy. Pausing while paused changes nothing and keeps who paused first and why.</summary>
    /// <param name="actor">Who pauses: a user name, an API actor, or "macha".</param>
    /// <param name="reason">Why, shown on the dashboard and kept in the audit log; null or blank for none.</param>
    /// <exception cref="ArgumentException">The actor is empty or too long, or the reason is too long.</exception>
    public async Task<AutonomyChangeResult> PauseAsync(string actor, string? reason, CancellationToken cancellationToken = default)
    {
        ValidateActor(actor);
        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (reason is { Length: > MaxReasonLength })
        {
            throw new ArgumentException($"A pause reason may have at most {MaxReasonLength} characters; got {reason.Length}.", nameof(reason));
        }

        var now = _timeProvider.GetUtcNow();
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var changed = await db.AutonomySettings
            .Where(s => s.Id == AutonomySettingRecord.SingletonId && !s.Paused)
            .ExecuteUpdateAsync(
                setters => setters
                    .SetProperty(s => s.Paused, true)
                    .SetProperty(s => s.PausedAt, now)
                    .SetProperty(s => s.PausedBy, actor)
                    .SetProperty(s => s.Reason, reason),
                cancellationToken) == 1;

        var state = await ReadStateAsync(db, CancellationToken.None);
        if (changed)
        {
            LogPaused(actor, reason ?? string.Empty);
            await AnnounceAsync(AuditEventTypes.AutonomyPaused, state, actor, now);
        }

        return new AutonomyChangeResult(state, changed);
    }

    /// <summary>Resumes autonomy at the configured level. Resuming while not paused changes nothing.</summary>
    /// <exception cref="ArgumentException">The actor is empty or too long.</exception>
    public async Task<AutonomyChangeResult> ResumeAsync(string actor, CancellationToken cancellationToken = default)
    {
        ValidateActor(actor);

        var now = _timeProvider.GetUtcNow();
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var before = await db.AutonomySettings.AsNoTracking().SingleAsync(s => s.Id == AutonomySettingRecord.SingletonId, cancellationToken);
        var changed = await db.AutonomySettings
            .Where(s => s.Id == AutonomySettingRecord.SingletonId && s.Paused)
            .ExecuteUpdateAsync(
                setters => setters
                    .SetProperty(s => s.Paused, false)
                    .SetProperty(s => s.PausedAt, (DateTimeOffset?)null)
                    .SetProperty(s => s.PausedBy, (string?)null)
                    .SetProperty(s => s.Reason, (string?)null)
                    .SetProperty(s => s.ResumedAt, now)
                    .SetProperty(s => s.ResumedBy, actor),
                cancellationToken) == 1;

        var state = await ReadStateAsync(db, CancellationToken.None);
        if (changed)
        {
            LogResumed(actor, state.ConfiguredLevel);
            await AnnounceAsync(AuditEventTypes.AutonomyResumed, state, actor, now, before);
        }

        return new AutonomyChangeResult(state, changed);
    }

    private static void ValidateActor(string actor)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        if (actor.Length > MaxActorLength)
        {
            throw new ArgumentException($"An actor name may have at most {MaxActorLength} characters; got {actor.Length}.", nameof(actor));
        }
    }

    private async Task<AutonomyState> ReadStateAsync(MachaDbContext db, CancellationToken cancellationToken)
    {
        var configured = _options.CurrentValue.AutonomyLevel;

        // The migration seeds the row, so a missing row means the table was emptied by hand. Paused
        // is the safe reading of a switch that cannot be read.
        var row = await db.AutonomySettings.AsNoTracking().SingleOrDefaultAsync(s => s.Id == AutonomySettingRecord.SingletonId, cancellationToken);
        if (row is null)
        {
            return new AutonomyState(configured, AutonomyLevel.Observe, true, null, null, "The stored pause switch is missing, so Macha acts as paused; resume autonomy to store it again.");
        }

        return new AutonomyState(
            configured,
            row.Paused ? AutonomyLevel.Observe : configured,
            row.Paused,
            row.PausedAt,
            row.PausedBy,
            row.Reason);
    }

    private async Task AnnounceAsync(string type, AutonomyState state, string actor, DateTimeOffset at, AutonomySettingRecord? before = null)
    {
        var data = new JsonObject
        {
            ["configured_level"] = state.ConfiguredLevel.ToString(),
            ["effective_level"] = state.EffectiveLevel.ToString(),
            ["reason"] = state.Reason,
        };
        if (before is { Paused: true })
        {
            data["paused_at"] = before.PausedAt;
            data["paused_by"] = before.PausedBy;
            data["reason"] = before.Reason;
        }

        try
        {
            await _audit.AppendAsync(AuditFile.Decisions, new AuditEvent(type, actor, null, null, data), CancellationToken.None);
        }
        catch (AuditWriteException)
        {
            // The switch is stored and in force; the audit log has logged the file and the cause.
        }

        _events.Publish(new AutonomyChanged(state, actor, at));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Autonomy paused by {Actor}: Macha runs nothing by itself until it is resumed. Reason: {Reason}")]
    private partial void LogPaused(string actor, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Autonomy resumed by {Actor} at level {AutonomyLevel}")]
    private partial void LogResumed(string actor, AutonomyLevel autonomyLevel);
}
