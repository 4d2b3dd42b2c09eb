using Macha.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Macha.Core.Notifications;

/// <summary>
/// Keeps <see cref="NotificationPolicy"/>'s cooldown and dependency states in SQLite. Without a
/// database (the notifier alone, in tests) it stores nothing and loads nothing.
/// </summary>
internal sealed partial class NotificationStateStore
{
    private readonly IDbContextFactory<MachaDbContext>? _databases;
    private readonly ILogger<NotificationStateStore> _logger;

    public NotificationStateStore(IDbContextFactory<MachaDbContext>? databases, ILogger<NotificationStateStore> logger)
    {
        _databases = databases;
        _logger = logger;
    }

    /// <summary>
    /// Loads the cooldown entries sent after <paramref name="since"/> and every dependency state into
    /// the policy, and deletes the older cooldown entries.
    /// </summary>
    public async Task RestoreAsync(NotificationPolicy policy, DateTimeOffset since, CancellationToken cancellationToken)
    {
        if (_databases is null)
        {
            return;
        }

        try
        {
            await using var db = await _databases.CreateDbContextAsync(cancellationToken);
            await db.NotificationCooldowns.Where(c => c.SentAt <= since).ExecuteDeleteAsync(cancellationToken);
            var cooldowns = await db.NotificationCooldowns.AsNoTracking().Where(c => c.SentAt > since).ToListAsync(cancellationToken);
            var dependencies = await db.DependencyStates.AsNoTracking().ToListAsync(cancellationToken);
            policy.Restore(cooldowns, dependencies);
            LogRestored(cooldowns.Count, dependencies.Count);
        }
        catch (Exception ex) when (ex is DbUpdateException or Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            // Starting with empty state costs at most a repeated notification, so the notifier starts anyway.
            LogRestoreFailed(ex);
        }
    }

    /// <summary>Writes the changes; a failure is logged and the changes are given back to be written next time.</summary>
    /// <returns>True when the changes were written or there were none.</returns>
    public async Task<bool> SaveAsync(NotificationStateChanges changes, CancellationToken cancellationToken)
    {
        if (_databases is null || changes.IsEmpty)
        {
            return true;
        }

        try
        {
            await using var db = await _databases.CreateDbContextAsync(cancellationToken);
            var keys = changes.Cooldowns.Select(c => c.DedupKey).ToList();
            var stored = await db.NotificationCooldowns.Where(c => keys.Contains(c.DedupKey)).ToDictionaryAsync(c => c.DedupKey, StringComparer.Ordinal, cancellationToken);
            foreach (var change in changes.Cooldowns)
            {
                var existing = stored.GetValueOrDefault(change.DedupKey);
                if (change.Entry is null)
                {
                    if (existing is not null)
                    {
                        db.NotificationCooldowns.Remove(existing);
                    }
                }
                else if (existing is null)
                {
                    db.NotificationCooldowns.Add(change.Entry);
                }
                else
                {
                    existing.SentAt = change.Entry.SentAt;
                    existing.Priority = change.Entry.Priority;
                }
            }

            var names = changes.Dependencies.Select(d => d.Key).ToList();
            var storedDependencies = await db.DependencyStates.Where(d => names.Contains(d.Key)).ToDictionaryAsync(d => d.Key, StringComparer.Ordinal, cancellationToken);
            foreach (var dependency in changes.Dependencies)
            {
                if (storedDependencies.TryGetValue(dependency.Key, out var existing))
                {
                    existing.IsDown = dependency.IsDown;
                    existing.ChangedAt = dependency.ChangedAt;
                }
                else
                {
                    db.DependencyStates.Add(dependency);
                }
            }

            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is DbUpdateException or Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            LogSaveFailed(ex, changes.Cooldowns.Count + changes.Dependencies.Count);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Restored {CooldownCount} notification cooldowns and {DependencyCount} dependency states")]
    private partial void LogRestored(int cooldownCount, int dependencyCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the stored notification cooldowns failed; starting without them, so a notification may repeat once")]
    private partial void LogRestoreFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing {ChangeCount} notification cooldown and dependency changes failed; they are retried with the next change")]
    private partial void LogSaveFailed(Exception exception, int changeCount);
}
