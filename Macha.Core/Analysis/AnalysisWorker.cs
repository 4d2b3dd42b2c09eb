using Macha.Core.Actions;
using Macha.Core.Events;
using Macha.Core.Incidents;
using Macha.Core.Storage;
using Macha.Core.Storage.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Analysis;

/// <summary>
/// Wakes the analysis worker when a cycle has queued analyses. Requests live in the database, so
/// a lost signal only delays them until the worker's next poll.
/// </summary>
public sealed class AnalysisSignal : IDisposable
{
    private readonly SemaphoreSlim _pending = new(0, 1);

    public void Notify()
    {
        try
        {
            _pending.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake-up is already pending; one is enough.
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _pending.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _pending.Dispose();
}

/// <summary>
/// Creates analysis requests for incident changes that need a diagnosis, in the cycle's own
/// transaction, so a request survives a crash between the cycle and the analysis.
/// </summary>
internal static class AnalysisRequests
{
    /// <summary>Adds the requests to <paramref name="db"/> and returns them; the caller saves.</summary>
    public static IReadOnlyList<AnalysisRecord> Add(MachaDbContext db, IEnumerable<IncidentChange> changes, AnalysisOptions options, DateTimeOffset now)
    {
        var added = new List<AnalysisRecord>();
        foreach (var change in changes.Where(c => c.Kind is IncidentChangeKind.Opened or IncidentChangeKind.Reopened or IncidentChangeKind.SeverityChanged))
        {
            var record = new AnalysisRecord
            {
                Id = Guid.NewGuid(),
                IncidentId = change.IncidentId,
                HostName = change.HostName,
                Fingerprint = change.Fingerprint,
                Trigger = change.Kind,
                Model = options.Model,
                RequestedAt = now,
                State = options.Enabled ? AnalysisState.Queued : AnalysisState.Skipped,
                Reason = options.Enabled
                    ? null
                    : "Analysis is disabled (Macha:Analysis:Enabled is false), so the rule-based playbooks apply.",
                FinishedAt = options.Enabled ? null : now,
            };
            db.Analyses.Add(record);
            added.Add(record);
        }

        return added;
    }
}

/// <summary>Runs queued analyses one after another, outside the health cycle, which never waits on the model.</summary>
internal sealed partial class AnalysisWorker : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(30);

    private readonly DatabaseInitializer _database;
    private readonly IncidentAnalyst _analyst;
    private readonly ActionPlanner _planner;
    private readonly AnalysisSignal _signal;
    private readonly IDbContextFactory<MachaDbContext> _databases;
    private readonly IAuditLog _audit;
    private readonly IOptionsMonitor<AnalysisOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<AnalysisWorker> _logger;
    private readonly MachaEvents? _events;

    public AnalysisWorker(
        DatabaseInitializer database,
        IncidentAnalyst analyst,
        ActionPlanner planner,
        AnalysisSignal signal,
        IDbContextFactory<MachaDbContext> databases,
        IAuditLog audit,
        IOptionsMonitor<AnalysisOptions> options,
        TimeProvider timeProvider,
        ILogger<AnalysisWorker> logger,
        MachaEvents? events = null)
    {
        _database = database;
        _analyst = analyst;
        _planner = planner;
        _signal = signal;
        _databases = databases;
        _audit = audit;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _events = events;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await _database.Ready.WaitAsync(stoppingToken);
        await MarkInterruptedAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunQueuedAsync(stoppingToken);
                await _signal.WaitAsync(PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is DbUpdateException or Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
            {
                LogWorkerError(ex);
                await Task.Delay(PollInterval, _timeProvider, stoppingToken);
            }
        }
    }

    /// <summary>Runs every queued analysis, oldest first; returns when none is left.</summary>
    internal async Task RunQueuedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Guid? next;
            await using (var db = await _databases.CreateDbContextAsync(cancellationToken))
            {
                next = await db.Analyses
                    .Where(a => a.State == AnalysisState.Queued)
                    .OrderBy(a => a.RequestedAt)
                    .Select(a => (Guid?)a.Id)
                    .FirstOrDefaultAsync(cancellationToken);

                if (next is { } id && !_options.CurrentValue.Enabled)
                {
                    // Analysis was switched off after these were queued.
                    await db.Analyses.Where(a => a.Id == id).ExecuteUpdateAsync(
                        setters => setters
                            .SetProperty(a => a.State, AnalysisState.Skipped)
                            .SetProperty(a => a.Reason, "Analysis was disabled before this request ran.")
                            .SetProperty(a => a.FinishedAt, _timeProvider.GetUtcNow()),
                        cancellationToken);
                    await _audit.RecordAsync(await db.Analyses.AsNoTracking().SingleAsync(a => a.Id == id, cancellationToken), toolCallCount: 0);
                    continue;
                }
            }

            if (next is null)
            {
                await PlanFinishedAsync(cancellationToken);
                return;
            }

            var analysis = await _analyst.AnalyzeAsync(next.Value, cancellationToken);
            _events?.Publish(new AnalysisChanged(analysis.Id, analysis.IncidentId, analysis.State, _timeProvider.GetUtcNow()));
        }
    }

    /// <summary>
    /// Sends every finished analysis that has not been planned yet through the action policy: the
    /// model's proposals when it decided, the playbooks when it failed or was skipped.
    /// </summary>
    internal async Task PlanFinishedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            AnalysisRecord? finished;
            await using (var db = await _databases.CreateDbContextAsync(cancellationToken))
            {
                finished = await db.Analyses.AsNoTracking()
                    .Where(a => a.PlannedAt == null && (a.State == AnalysisState.Succeeded || a.State == AnalysisState.Failed || a.State == AnalysisState.Skipped))
                    .OrderBy(a => a.RequestedAt)
                    .FirstOrDefaultAsync(cancellationToken);
            }

            if (finished is null)
            {
                return;
            }

            // Marked first, so a crash in the middle never plans the same proposals twice.
            await using (var db = await _databases.CreateDbContextAsync(cancellationToken))
            {
                await db.Analyses.Where(a => a.Id == finished.Id).ExecuteUpdateAsync(
                    setters => setters.SetProperty(a => a.PlannedAt, _timeProvider.GetUtcNow()),
                    cancellationToken);
            }

            await _planner.PlanAsync(finished, cancellationToken);
        }
    }

    private async Task MarkInterruptedAsync(CancellationToken cancellationToken)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var now = _timeProvider.GetUtcNow();
        await db.Analyses.Where(a => a.State == AnalysisState.Running).ExecuteUpdateAsync(
            setters => setters
                .SetProperty(a => a.State, AnalysisState.Failed)
                .SetProperty(a => a.Reason, "Macha stopped during the analysis.")
                .SetProperty(a => a.FinishedAt, now),
            cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The analysis worker failed; it retries after its poll interval")]
    private partial void LogWorkerError(Exception exception);
}
