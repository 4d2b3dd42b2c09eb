using System.Collections.Concurrent;
using System.Text.Json;
using Macha.Core.Analysis;
using Macha.Core.Approvals;
using Macha.Core.Detection;
using Macha.Core.Hosts;
using Macha.Core.Incidents;
using Macha.Core.Monitoring;
using Macha.Core.Storage;
using Macha.Core.Storage.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Cycle;

/// <summary>
/// The main job: collect every host, detect findings, and record both. Runs are serialized: a run
/// requested while another is in progress waits for it.
/// </summary>
internal sealed partial class HealthCycle : IDisposable
{
    private readonly SemaphoreSlim _runGate = new(1, 1);
    private readonly ConcurrentDictionary<string, HostSnapshot> _previousByHost = new(StringComparer.Ordinal);

    private readonly IHostInventory _inventory;
    private readonly HostRegistry _registry;
    private readonly SnapshotCollector _collector;
    private readonly DetectionEngine _detection;
    private readonly IncidentTracker _incidents;
    private readonly IOptionsMonitor<AnalysisOptions> _analysisOptions;
    private readonly AnalysisSignal _analysisSignal;
    private readonly IAuditLog _audit;
    private readonly ApprovalWithdrawal _withdrawal;
    private readonly IDbContextFactory<MachaDbContext> _databases;
    private readonly SnapshotFileStore _snapshotFiles;
    private readonly RetentionService _retention;
    private readonly CycleEvents _events;
    private readonly IOptionsMonitor<CycleOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<HealthCycle> _logger;

    public HealthCycle(
        IHostInventory inventory,
        HostRegistry registry,
        SnapshotCollector collector,
        DetectionEngine detection,
        IncidentTracker incidents,
        IOptionsMonitor<AnalysisOptions> analysisOptions,
        AnalysisSignal analysisSignal,
        IAuditLog audit,
        ApprovalWithdrawal withdrawal,
        IDbContextFactory<MachaDbContext> databases,
        SnapshotFileStore snapshotFiles,
        RetentionService retention,
        CycleEvents events,
        IOptionsMonitor<CycleOptions> options,
        TimeProvider timeProvider,
        ILogger<HealthCycle> logger)
    {
        _inventory = inventory;
        _registry = registry;
        _collector = collector;
        _detection = detection;
        _incidents = incidents;
        _analysisOptions = analysisOptions;
        _analysisSignal = analysisSignal;
        _audit = audit;
        _withdrawal = withdrawal;
        _databases = databases;
        _snapshotFiles = snapshotFiles;
        _retention = retention;
        _events = events;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>True while a run is collecting or recording.</summary>
    public bool IsRunning => _runGate.CurrentCount == 0;

    public void Dispose() => _runGate.Dispose();

    /// <summary>Stores a queued run and returns its id, for a caller that starts it later.</summary>
    public async Task<Guid> QueueAsync(CycleTrigger trigger, CancellationToken cancellationToken = default)
    {
        var run = new CycleRunRecord
        {
            Id = Guid.NewGuid(),
            Trigger = trigger,
            State = CycleState.Queued,
            RequestedAt = _timeProvider.GetUtcNow(),
        };
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        db.CycleRuns.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        return run.Id;
    }

    /// <summary>
    /// Runs one cycle. With <paramref name="queuedRunId"/> it completes that queued run; without,
    /// it records a new one. A host or collector failing does not fail the run.
    /// </summary>
    public async Task<CycleRunRecord> RunAsync(
        CycleTrigger trigger,
        Guid? queuedRunId = null,
        CancellationToken cancellationToken = default)
    {
        await _runGate.WaitAsync(cancellationToken);
        try
        {
            return await RunExclusiveAsync(trigger, queuedRunId, cancellationToken);
        }
        finally
        {
            _runGate.Release();
        }
    }

    private async Task<CycleRunRecord> RunExclusiveAsync(CycleTrigger trigger, Guid? queuedRunId, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        IReadOnlyList<IHostShell> hosts;
        try
        {
            hosts = _inventory.GetHosts();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Without a host list nothing can be checked. The run still ends, so it does not stay queued forever.
            var failed = await StartRunAsync(trigger, queuedRunId, 0, cancellationToken);
            LogCycleFailed(ex, failed.Id);
            failed.State = CycleState.Failed;
            failed.Error = $"Loading the host list failed: {ex.Message}";
            return await FinishRunAsync(failed, started, 0, []);
        }

        var run = await StartRunAsync(trigger, queuedRunId, hosts.Count, cancellationToken);
        LogCycleStarted(run.Id, trigger, hosts.Count);
        _events.Publish(new CycleStarted(run.Id, _timeProvider.GetUtcNow(), trigger, hosts.Select(h => h.HostName).ToList(), _collector.EnabledCollectorNames()));

        var statuses = new ConcurrentDictionary<string, List<CollectorStatus>>(StringComparer.Ordinal);
        var findingCount = 0;
        try
        {
            var parallel = new ParallelOptions
            {
                MaxDegreeOfParallelism = Math.Max(1, _options.CurrentValue.MaxParallelHosts),
                CancellationToken = cancellationToken,
            };
            await Parallel.ForEachAsync(hosts, parallel, async (shell, token) =>
            {
                try
                {
                    var (snapshot, findings) = await CheckHostAsync(run.Id, shell, token);
                    statuses[shell.HostName] = snapshot.Collectors;
                    Interlocked.Add(ref findingCount, findings);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One host's failure (its records could not be written, say) must not cost the others their check.
                    LogHostFailed(ex, shell.HostName, run.Id);
                    statuses[shell.HostName] = [new CollectorStatus("cycle", CollectorState.Failed, ex.Message, 0)];
                }
            });

            run.State = CycleState.Completed;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogCycleFailed(ex, run.Id);
            run.State = CycleState.Failed;
            run.Error = ex.Message;
        }
        catch (OperationCanceledException)
        {
            run.State = CycleState.Interrupted;
            run.Error = "Macha stopped during the cycle.";
        }

        run.CollectorStatusesJson = JsonSerializer.Serialize(statuses, SnapshotJson.Options);
        return await FinishRunAsync(run, started, findingCount, hosts);
    }

    /// <summary>Stores the run's outcome, applies retention after a completed run, and announces the end.</summary>
    private async Task<CycleRunRecord> FinishRunAsync(CycleRunRecord run, long started, int findingCount, IReadOnlyList<IHostShell> hosts)
    {
        run.FinishedAt = _timeProvider.GetUtcNow();
        run.DurationMs = Math.Round(_timeProvider.GetElapsedTime(started).TotalMilliseconds, 1);
        run.FindingCount = findingCount;

        // Record the outcome even when the cycle was cancelled, so the run never stays "running".
        await using (var db = await _databases.CreateDbContextAsync(CancellationToken.None))
        {
            db.CycleRuns.Update(run);
            await db.SaveChangesAsync(CancellationToken.None);
        }

        if (run.State == CycleState.Completed)
        {
            await _retention.ApplyAsync(hosts.Select(h => h.HostName), CancellationToken.None);
        }

        LogCycleFinished(run.Id, run.State, findingCount, run.DurationMs.Value);
        _events.Publish(new CycleFinished(run.Id, run.FinishedAt.Value, run.State, findingCount, run.DurationMs.Value));
        return run;
    }

    private async Task<CycleRunRecord> StartRunAsync(CycleTrigger trigger, Guid? queuedRunId, int hostCount, CancellationToken cancellationToken)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var run = queuedRunId is { } id ? await db.CycleRuns.FindAsync([id], cancellationToken) : null;
        if (run is null)
        {
            run = new CycleRunRecord { Id = queuedRunId ?? Guid.NewGuid(), Trigger = trigger, RequestedAt = _timeProvider.GetUtcNow() };
            db.CycleRuns.Add(run);
        }

        run.State = CycleState.Running;
        run.StartedAt = _timeProvider.GetUtcNow();
        run.HostCount = hostCount;
        await db.SaveChangesAsync(cancellationToken);
        return run;
    }

    private async Task<(HostSnapshot Snapshot, int FindingCount)> CheckHostAsync(Guid runId, IHostShell listed, CancellationToken cancellationToken)
    {
        // A confirmation may have replaced the host's shell since the run listed the hosts.
        var shell = _inventory.FindHost(listed.HostName) ?? listed;
        var previous = await GetPreviousAsync(shell.HostName, cancellationToken);
        var snapshot = await CollectAsync(runId, shell, previous, cancellationToken);
        if (_inventory.FindHost(shell.HostName) is { } current && !ReferenceEquals(current, shell))
        {
            // Replaced during the check, so what it found came from the old settings. Checking once
            // more shows the new ones, and a further change waits for the next run.
            LogHostCheckRepeated(shell.HostName, runId);
            shell = current;
            snapshot = await CollectAsync(runId, shell, previous, cancellationToken);
        }

        var findings = _detection.Detect(snapshot, previous);
        var changes = await RecordAsync(runId, snapshot, findings, cancellationToken);
        _previousByHost[shell.HostName] = snapshot;

        // An incident that resolved by itself needs none of the actions still waiting for approval.
        await _withdrawal.WithdrawForResolvedAsync(changes, cancellationToken);

        try
        {
            await _snapshotFiles.WriteAsync(snapshot, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The snapshot is already in the database; a file that cannot be written costs only the copy.
            LogSnapshotFileFailed(ex, shell.HostName);
        }

        await _registry.RecordCheckAsync(snapshot, shell, cancellationToken);
        LogHostChecked(shell.HostName, findings.Count);
        _events.Publish(new HostFinished(runId, _timeProvider.GetUtcNow(), shell.HostName, findings.Count, changes));
        return (snapshot, findings.Count);
    }

    /// <summary>
    /// Collects one host. A remote host is connected first; when that fails, the snapshot holds only
    /// the connection's failure, so the detectors report it once instead of every collector failing.
    /// </summary>
    private async Task<HostSnapshot> CollectAsync(Guid runId, IHostShell shell, HostSnapshot? previous, CancellationToken cancellationToken)
    {
        void Publish(CollectorStatus status) => _events.Publish(new CollectorFinished(runId, _timeProvider.GetUtcNow(), shell.HostName, status));

        if (shell is not IRemoteHostShell remote)
        {
            return await _collector.CollectAsync(shell, previous, Publish, cancellationToken);
        }

        var started = _timeProvider.GetTimestamp();
        var state = await remote.ConnectAsync(cancellationToken);
        if (!state.IsHealthy)
        {
            var status = new CollectorStatus(
                HostConnectionSection.CollectorName,
                CollectorState.Failed,
                state.Detail,
                Math.Round(_timeProvider.GetElapsedTime(started).TotalMilliseconds, 1));
            Publish(status);
            LogHostNotReached(shell.HostName, state.Failure!.Value);
            return new HostSnapshot
            {
                HostName = shell.HostName,
                TakenAt = _timeProvider.GetUtcNow(),
                Connection = HostConnectionSection.From(state),
                Collectors = [status],
            };
        }

        var snapshot = await _collector.CollectAsync(shell, previous, Publish, cancellationToken);

        // The connection can break during collection; the snapshot then says so, and its gaps are not health.
        snapshot.Connection = HostConnectionSection.From(remote.State);
        return snapshot;
    }

    private async Task<HostSnapshot?> GetPreviousAsync(string hostName, CancellationToken cancellationToken)
    {
        if (_previousByHost.TryGetValue(hostName, out var cached))
        {
            return cached;
        }

        // After a restart, continue from the last stored snapshot so CPU deltas and the journal
        // cursor carry over instead of starting fresh.
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var json = await db.Snapshots
            .Where(s => s.HostName == hostName)
            .OrderByDescending(s => s.TakenAt)
            .Select(s => s.Json)
            .FirstOrDefaultAsync(cancellationToken);
        return json is null ? null : SnapshotJson.Deserialize(json);
    }

    /// <summary>Stores the snapshot and its findings and updates the host's incidents, in one transaction.</summary>
    private async Task<IReadOnlyList<IncidentChange>> RecordAsync(
        Guid runId, HostSnapshot snapshot, IReadOnlyList<Finding> findings, CancellationToken cancellationToken)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var snapshotRecord = new SnapshotRecord
        {
            CycleRunId = runId,
            HostName = snapshot.HostName,
            TakenAt = snapshot.TakenAt,
            Json = SnapshotJson.Serialize(snapshot),
        };
        db.Snapshots.Add(snapshotRecord);
        db.HostMetrics.Add(HostMetricRecord.From(snapshot));
        await db.SaveChangesAsync(cancellationToken);

        foreach (var finding in findings)
        {
            db.Findings.Add(new FindingRecord
            {
                CycleRunId = runId,
                SnapshotId = snapshotRecord.Id,
                HostName = finding.HostName,
                Kind = finding.Kind.ToString(),
                Subject = finding.Subject,
                Severity = finding.Severity.ToString(),
                Summary = finding.Summary,
                Evidence = finding.Evidence,
                Fingerprint = finding.Fingerprint,
                DetectedAt = snapshot.TakenAt,
            });
        }

        var changes = await _incidents.TrackAsync(db, snapshot, findings, cancellationToken);
        var analyses = AnalysisRequests.Add(db, changes, _analysisOptions.CurrentValue, snapshot.TakenAt);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        // Skipped requests are decided here, so their audit line follows the commit; queued ones
        // get theirs from the analyst when they finish.
        foreach (var skipped in analyses.Where(a => a.State == AnalysisState.Skipped))
        {
            await _audit.RecordAsync(skipped, toolCallCount: 0);
        }

        // Queued analyses wait for the model; skipped ones wait for the playbooks. Both run in the worker.
        if (analyses.Count > 0)
        {
            _analysisSignal.Notify();
        }

        return changes;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Health cycle {RunId} started ({CycleTrigger}) for {HostCount} hosts")]
    private partial void LogCycleStarted(Guid runId, CycleTrigger cycleTrigger, int hostCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Health cycle {RunId} finished {CycleState} with {FindingCount} findings in {ElapsedMs} ms")]
    private partial void LogCycleFinished(Guid runId, CycleState cycleState, int findingCount, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Health cycle {RunId} failed")]
    private partial void LogCycleFailed(Exception exception, Guid runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Checking host {HostName} failed in health cycle {RunId}")]
    private partial void LogHostFailed(Exception exception, string hostName, Guid runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Host {HostName} was not reached ({HostFailure}); its collectors did not run")]
    private partial void LogHostNotReached(string hostName, HostFailure hostFailure);

    [LoggerMessage(Level = LogLevel.Information, Message = "Host {HostName} got new connection settings during its check in health cycle {RunId}; checking it again with them")]
    private partial void LogHostCheckRepeated(string hostName, Guid runId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Host {HostName} checked with {FindingCount} findings")]
    private partial void LogHostChecked(string hostName, int findingCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write the snapshot file for host {HostName}")]
    private partial void LogSnapshotFileFailed(Exception exception, string hostName);
}
