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
/// and never hold up the health cycle.
/// </summary>
internal sealed partial class KnowledgeStartup : BackgroundService
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(15);

    private readonly KnowledgeStore _store;
    private readonly ConfigRepositoryIndexer _indexer;
    private readonly IOptions<KnowledgeOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<KnowledgeStartup> _logger;

    public KnowledgeStartup(KnowledgeStore store, ConfigRepositoryIndexer indexer, IOptions<KnowledgeOptions> options, TimeProvider timeProvider, ILogger<KnowledgeStartup> logger)
    {
        _store = store;
        _indexer = indexer;
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Indexing the configuration repository failed: {Reason}")]
    private partial void LogSyncFailed(string reason);
}
