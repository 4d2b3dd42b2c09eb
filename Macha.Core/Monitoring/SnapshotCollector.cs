using Macha.Core.Hosts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Monitoring;

/// <summary>Runs every enabled collector against one host and assembles its snapshot.</summary>
internal sealed partial class SnapshotCollector
{
    private readonly IReadOnlyList<ICollector> _collectors;
    private readonly IOptionsMonitor<MonitoringOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<SnapshotCollector> _logger;

    public SnapshotCollector(
        IEnumerable<ICollector> collectors,
        IOptionsMonitor<MonitoringOptions> options,
        TimeProvider timeProvider,
        ILogger<SnapshotCollector> logger)
    {
        _collectors = collectors.ToList();
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public IReadOnlyList<string> EnabledCollectorNames()
    {
        var disabled = _options.CurrentValue.DisabledCollectors;
        return _collectors
            .Select(collector => collector.Name)
            .Where(name => !disabled.Contains(name, StringComparer.OrdinalIgnoreCase))
            .ToList();
    }

    /// <param name="onCollectorFinished">Called after each collector, for live progress.</param>
    public async Task<HostSnapshot> CollectAsync(
        IHostShell shell,
        HostSnapshot? previous,
        Action<CollectorStatus>? onCollectorFinished = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shell);

        var options = _options.CurrentValue;
        var snapshot = new HostSnapshot { HostName = shell.HostName, TakenAt = _timeProvider.GetUtcNow() };
        var context = new CollectionContext { Shell = shell, Snapshot = snapshot, Previous = previous, Options = options };
        var enabled = _collectors
            .Where(collector => !options.DisabledCollectors.Contains(collector.Name, StringComparer.OrdinalIgnoreCase))
            .ToList();

        // One command reads the small files every collector needs; over SSH that spares a session each.
        await context.ReadAheadAsync(enabled.SelectMany(collector => collector.FilesRead), cancellationToken);

        foreach (var collector in enabled)
        {

            var status = await RunOneAsync(collector, context, options.CollectorTimeout, cancellationToken);
            snapshot.Collectors.Add(status);
            onCollectorFinished?.Invoke(status);
        }

        return snapshot;
    }

    private async Task<CollectorStatus> RunOneAsync(
        ICollector collector,
        CollectionContext context,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        using var timeoutSource = new CancellationTokenSource(timeout, _timeProvider);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);

        CollectorOutcome outcome;
        try
        {
            // WaitAsync abandons a collector that ignores its token, so a hung one cannot hold the cycle.
            outcome = await collector.CollectAsync(context, limit.Token).WaitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            outcome = new CollectorOutcome(CollectorState.TimedOut, $"did not finish within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogCollectorThrew(ex, collector.Name, context.Shell.HostName);
            outcome = CollectorOutcome.Failed($"{ex.GetType().Name}: {ex.Message}");
        }

        var elapsedMs = _timeProvider.GetElapsedTime(started).TotalMilliseconds;
        if (outcome.State is CollectorState.Failed or CollectorState.TimedOut)
        {
            LogCollectorProblem(collector.Name, context.Shell.HostName, outcome.State, outcome.Detail);
        }

        return new CollectorStatus(collector.Name, outcome.State, outcome.Detail, Math.Round(elapsedMs, 1), outcome.FirstBytes);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Collector {CollectorName} threw on host {HostName}")]
    private partial void LogCollectorThrew(Exception exception, string collectorName, string hostName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Collector {CollectorName} on host {HostName} ended {CollectorState}: {Detail}")]
    private partial void LogCollectorProblem(string collectorName, string hostName, CollectorState collectorState, string? detail);
}
