using Macha.Core.Configuration;
using Macha.Core.Incidents;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Storage;

/// <summary>Deletes stored snapshots, findings, cycle runs and snapshot files past the retention age.</summary>
internal sealed partial class RetentionService
{
    private readonly IDbContextFactory<MachaDbContext> _databases;
    private readonly SnapshotFileStore _snapshotFiles;
    private readonly IOptionsMonitor<MachaOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<RetentionService> _logger;

    public RetentionService(
        IDbContextFactory<MachaDbContext> databases,
        SnapshotFileStore snapshotFiles,
        IOptionsMonitor<MachaOptions> options,
        TimeProvider timeProvider,
        ILogger<RetentionService> logger)
    {
        _databases = databases;
        _snapshotFiles = snapshotFiles;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public async Task ApplyAsync(IEnumerable<string> hostNames, CancellationToken cancellationToken = default)
    {
        var cutoff = _timeProvider.GetUtcNow() - _options.CurrentValue.RetentionAge;
        try
        {
            await using var db = await _databases.CreateDbContextAsync(cancellationToken);
            var findings = await db.Findings.Where(f => f.DetectedAt < cutoff).ExecuteDeleteAsync(cancellationToken);
            var snapshots = await db.Snapshots.Where(s => s.TakenAt < cutoff).ExecuteDeleteAsync(cancellationToken);
            await db.HostMetrics.Where(m => m.TakenAt < cutoff).ExecuteDeleteAsync(cancellationToken);
            var runs = await db.CycleRuns.Where(r => r.RequestedAt < cutoff).ExecuteDeleteAsync(cancellationToken);

            // Open incidents stay however old they are; only resolved ones age out.
            await db.Incidents
                .Where(i => i.State == IncidentState.Resolved && i.ResolvedAt < cutoff)
                .ExecuteDeleteAsync(cancellationToken);

            var files = hostNames.Sum(_snapshotFiles.ApplyRetention);
            if (findings + snapshots + runs + files > 0)
            {
                LogRetentionApplied(snapshots, findings, runs, files);
            }
        }
        catch (Exception ex) when (ex is DbUpdateException or IOException or Microsoft.Data.Sqlite.SqliteException)
        {
            // Retention runs again after the next cycle; a failure here must not fail this one.
            LogRetentionFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention deleted {SnapshotCount} snapshots, {FindingCount} findings, {CycleRunCount} cycle runs and {FileCount} snapshot files")]
    private partial void LogRetentionApplied(int snapshotCount, int findingCount, int cycleRunCount, int fileCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Applying retention failed; it is retried after the next cycle")]
    private partial void LogRetentionFailed(Exception exception);
}
