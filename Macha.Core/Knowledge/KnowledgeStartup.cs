using Macha.Core.Analysis;
using Macha.Core.Knowledge.ConfigRepository;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Knowledge;

/// <summary>
/// Prepares the knowledge base in the background once Macha has started: re-embeds collections
/// of an earlier embedding model, adds the seed notes, then indexes the configuration repository
/// every <see cref="ConfigRepositoryOptions.SyncInterval"/>. Failures are retried with back-off
/// and never hold up the health cycle. Alongside, it checks ChromaDB every
/// <see cref="ReachabilityInterval"/>, so a ChromaDB that goes down or comes back is notified even
/// when no analysis uses the knowledge base.
/// </summary>
internal sealed partial class KnowledgeStartup : BackgroundService
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(15);

    /// <summary>Time between two reachability checks of ChromaDB; each is one small GET request.</summary>
    internal static readonly TimeSpan ReachabilityInterval = TimeSpan.FromMinutes(1);

    private readonly KnowledgeStore _store;
    private readonly ConfigRepositoryIndexer _indexer;
    private readonly KnowledgeStatus _status;
    private readonly IOptions<KnowledgeOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<KnowledgeStartup> _logger;

    public KnowledgeStartup(
        KnowledgeStore store,
        ConfigRepositoryIndexer indexer,
        KnowledgeStatus status,
        IOptions<KnowledgeOptions> options,
        TimeProvider timeProvider,
        ILogger<KnowledgeStartup> logger)
    {
        _store = store;
        _indexer = indexer;
        _status = status;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Re-embeds and seeds once; returns how many seed notes were written (unchanged ones are skipped).</summary>
    public async Task<int> PrepareAsync(CancellationToken cancellationToken = default)
    {
        var copied = await _store.ReembedAsync(cancellationToken);
        var seeded = 0;
        if (_options.Value.SeedNotes)
        {
            seeded = await _store.UpsertAsync(KnowledgeCollection.Knowledge, SeedNotes.Load(), ModelRequestPriority.Background, cancellationToken);
        }

        LogPrepared(copied, seeded);
        return seeded;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_store.IsConfigured)
        {
            return;
        }

        await Task.WhenAll(PrepareAndIndexAsync(stoppingToken), WatchReachabilityAsync(stoppingToken));
    }

    // The check's request reports the result to the notifier, which sends only the changes between
    // down and up. An unexpected error is logged, because a failed loop would stop the whole host.
    private async Task WatchReachabilityAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ReachabilityInterval, _timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await _status.CheckAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReachabilityCheckFailed(ex);
            }
        }
    }

    private async Task PrepareAndIndexAsync(CancellationToken stoppingToken)
    {
        var delay = FirstRetryDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PrepareAsync(stoppingToken);
                break;
            }
            catch (KnowledgeUnavailableException ex)
            {
                LogPrepareFailed(ex.Message, delay.TotalSeconds);
                await Task.Delay(delay, _timeProvider, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }

        if (!_indexer.IsConfigured)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _indexer.SyncAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is KnowledgeUnavailableException or ConfigRepositoryException)
            {
                LogSyncFailed(ex.Message);
            }

            await Task.Delay(_options.Value.ConfigRepository.SyncInterval, _timeProvider, stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Knowledge base ready: {CopiedCount} records re-embedded, {SeededCount} seed notes written")]
    private partial void LogPrepared(int copiedCount, int seededCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Preparing the knowledge base failed: {Reason}; retrying in {DelaySeconds} s")]
    private partial void LogPrepareFailed(string reason, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking whether ChromaDB is reachable failed with an unexpected error; checking again in a minute")]
    private partial void LogReachabilityCheckFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Indexing the configuration repository failed: {Reason}")]
    private partial void LogSyncFailed(string reason);
}
