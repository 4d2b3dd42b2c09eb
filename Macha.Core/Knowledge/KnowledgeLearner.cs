using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Macha.Core.Actions;
using Macha.Core.Actions.Execution;
using Macha.Core.Analysis;
using Macha.Core.Incidents;
using Macha.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Macha.Core.Knowledge;

/// <summary>
/// Learns from action outcomes: when an action's check passed, and when it failed, stores the
/// incident's symptoms, the diagnosis, the action and the outcome in the incidents collection, so
/// later analyses of similar incidents see what worked and what did not.
/// </summary>
/// <remarks>
/// Embedding waits for the model queue and the action path must not, so each outcome is turned
/// into its record at once and queued in the <c>PendingLearnings</c> table. A background loop
/// stores queued records in ChromaDB, oldest first. While ChromaDB or the embedding model fails,
/// the records stay queued and the loop retries with capped exponential back-off, so neither a
/// restart nor an outage loses them. Beyond <see cref="Capacity"/> queued records, new outcomes are
/// dropped with a warning.
/// </remarks>
public sealed partial class KnowledgeLearner : BackgroundService, IActionOutcomeListener
{
    public const string HostKey = "host";
    public const string FingerprintKey = "fingerprint";
    public const string IncidentKindKey = "incident_kind";
    public const string ActionKindKey = "action_kind";
    public const string OutcomeKey = "outcome";
    public const string IncidentIdKey = "incident_id";

    /// <summary>Maximum number of records waiting in the PendingLearnings table.</summary>
    public const int Capacity = 1000;

    private const int BatchSize = 20;

    /// <summary>Longest evidence excerpt stored with a learned incident, in characters.</summary>
    private const int MaxEvidenceCharacters = 1500;

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(5);

    // Wakes the loop when a record is queued; one pending signal is enough.
    private readonly Channel<bool> _queued = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly KnowledgeStore _store;
    private readonly IDbContextFactory<MachaDbContext> _databases;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<KnowledgeLearner> _logger;

    internal KnowledgeLearner(KnowledgeStore store, IDbContextFactory<MachaDbContext> databases, TimeProvider timeProvider, ILogger<KnowledgeLearner> logger)
    {
        _store = store;
        _databases = databases;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Queues what the outcome teaches in SQLite; ChromaDB is written later by the background loop.</summary>
    public async Task OnActionCompletedAsync(ActionOutcomeNotice notice, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notice);
        if (!_store.IsConfigured || !IsLearnable(notice))
        {
            return;
        }

        try
        {
            if (await QueueAsync(notice, cancellationToken))
            {
                _queued.Writer.TryWrite(true);
            }
        }
        catch (Exception ex) when (ex is DbUpdateException or Microsoft.Data.Sqlite.SqliteException)
        {
            LogQueueFailed(ex, notice.Request.Kind, notice.Request.HostName);
        }
    }

    /// <summary>
    /// Builds the record of one outcome and adds it to the PendingLearnings table. Returns false when
    /// there is nothing to learn (the incident is gone) or the table already contains <see cref="Capacity"/> records.
    /// </summary>
    public async Task<bool> QueueAsync(ActionOutcomeNotice notice, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notice);
        if (!IsLearnable(notice))
        {
            return false;
        }

        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var incident = await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == notice.Request.IncidentId, cancellationToken);
        if (incident is null)
        {
            return false;
        }

        if (await db.PendingLearnings.CountAsync(cancellationToken) >= Capacity)
        {
            LogQueueFull(notice.Request.Kind, notice.Request.HostName, Capacity);
            return false;
        }

        var document = Describe(incident, notice);
        db.PendingLearnings.Add(new PendingLearningRecord
        {
            DocumentId = document.Id,
            Title = document.Title,
            Text = document.Text,
            MetadataJson = JsonSerializer.Serialize(document.Metadata!.ToDictionary(pair => pair.Key, pair => Convert.ToString(pair.Value, CultureInfo.InvariantCulture))),
            QueuedAt = _timeProvider.GetUtcNow(),
        });
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Stores queued records in ChromaDB, oldest first, and removes each one stored. Stops at the
    /// first failure, which it records on that record and returns; the others wait for the next call.
    /// </summary>
    public async Task<LearningDrainResult> DrainAsync(CancellationToken cancellationToken = default)
    {
        var stored = 0;
        while (true)
        {
            await using var db = await _databases.CreateDbContextAsync(cancellationToken);
            var batch = await db.PendingLearnings.OrderBy(p => p.Id).Take(BatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                return new LearningDrainResult(stored, null);
            }

            foreach (var pending in batch)
            {
                try
                {
                    await _store.UpsertAsync(KnowledgeCollection.Incidents, [ToDocument(pending)], ModelRequestPriority.Background, cancellationToken);
                }
                catch (KnowledgeUnavailableException ex)
                {
                    pending.Attempts++;
                    pending.LastError = ex.Message;
                    await db.SaveChangesAsync(cancellationToken);
                    return new LearningDrainResult(stored, ex.Message);
                }

                db.PendingLearnings.Remove(pending);
                await db.SaveChangesAsync(cancellationToken);
                stored++;
                LogStoredQueued(pending.DocumentId, pending.Title);
            }
        }
    }

    /// <summary>
    /// Stores what one outcome teaches. Returns the record's id, or null when there is nothing to
    /// learn: the action was refused or was a diagnostic, or its incident is gone.
    /// </summary>
    /// <exception cref="KnowledgeUnavailableException">ChromaDB or the embedding model failed.</exception>
    public async Task<string?> LearnAsync(ActionOutcomeNotice notice, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notice);
        if (!IsLearnable(notice))
        {
            return null;
        }

        IncidentRecord? incident;
        await using (var db = await _databases.CreateDbContextAsync(cancellationToken))
        {
            incident = await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == notice.Request.IncidentId, cancellationToken);
        }

        if (incident is null)
        {
            return null;
        }

        var document = Describe(incident, notice);
        await _store.UpsertAsync(KnowledgeCollection.Incidents, [document], ModelRequestPriority.Background, cancellationToken);
        var outcome = Outcome(notice.Outcome);
        LogLearned(document.Id, incident.Fingerprint, notice.Request.Kind, outcome);
        return document.Id;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_store.IsConfigured)
        {
            return;
        }

        // The first pass stores what was queued before a restart.
        var backoff = new RetryBackoff(FirstRetryDelay, MaxRetryDelay);
        while (!stoppingToken.IsCancellationRequested)
        {
            string? failure;
            try
            {
                failure = (await DrainAsync(stoppingToken)).Failure;
            }
            catch (Exception ex) when (ex is DbUpdateException or Microsoft.Data.Sqlite.SqliteException)
            {
                failure = ex.Message;
            }

            if (failure is null)
            {
                backoff.Reset();
                await _queued.Reader.ReadAsync(stoppingToken);
                continue;
            }

            // New outcomes do not cut the pause short: ChromaDB is still failing.
            var delay = backoff.Next();
            LogLearnFailed(failure, (long)delay.TotalMilliseconds);
            await Task.Delay(delay, _timeProvider, stoppingToken);
        }
    }

    /// <summary>
    /// Builds the record of an outcome. Its id hashes the fingerprint, the action and the outcome, so
    /// the same fix with the same result on the same problem updates one record instead of adding more.
    /// </summary>
    internal static KnowledgeDocument Describe(IncidentRecord incident, ActionOutcomeNotice notice)
    {
        var request = notice.Request;
        var outcome = notice.Outcome;
        var arguments = string.Join(", ", request.Arguments.Select(a => $"{a.Key}={a.Value}"));
        var evidence = incident.Evidence.Length > MaxEvidenceCharacters ? incident.Evidence[..MaxEvidenceCharacters] + " […]" : incident.Evidence;
        var result = Outcome(outcome);

        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Symptoms on host {incident.HostName}: {incident.Summary}")
            .AppendLine(evidence)
            .AppendLine(CultureInfo.InvariantCulture, $"Diagnosis: {notice.Diagnosis ?? "none from the model; a rule-based playbook chose the action."}")
            .AppendLine(CultureInfo.InvariantCulture, $"Action: {request.Kind} ({arguments}): {request.Reason}")
            .AppendLine(CultureInfo.InvariantCulture, $"Commands: {string.Join("; ", outcome.Commands.Select(c => string.Join(' ', c.Argv)))}")
            .AppendLine(CultureInfo.InvariantCulture, $"Outcome: {result}. {outcome.Reason}")
            .Append(outcome.Verification is null ? string.Empty : $"Check afterwards: {outcome.Verification}")
            .ToString().TrimEnd();

        var title = $"{incident.Kind} {incident.Subject}: {request.Kind} {result}";
        var id = "incident-" + KnowledgeStore.Hash($"{incident.Fingerprint}\n{request.Kind}\n{arguments}\n{result}")[..20];
        var metadata = new Dictionary<string, object>
        {
            [HostKey] = incident.HostName,
            [FingerprintKey] = incident.Fingerprint,
            [IncidentKindKey] = incident.Kind,
            [ActionKindKey] = request.Kind,
            [OutcomeKey] = result,
            [IncidentIdKey] = incident.Id.ToString(),
        };
        return new KnowledgeDocument(id, title, text, KnowledgeSources.Learned, metadata);
    }

    private static KnowledgeDocument ToDocument(PendingLearningRecord pending)
    {
        var metadata = JsonSerializer.Deserialize<Dictionary<string, string>>(pending.MetadataJson) ?? [];
        return new KnowledgeDocument(
            pending.DocumentId,
            pending.Title,
            pending.Text,
            KnowledgeSources.Learned,
            metadata.ToDictionary(pair => pair.Key, pair => (object)pair.Value, StringComparer.Ordinal));
    }

    private static bool IsLearnable(ActionOutcomeNotice notice) =>
        notice.Outcome.Status != ExecutionStatus.Refused && notice.Request is not RunDiagnostic;

    private static string Outcome(ExecutionOutcome outcome) => outcome.Status switch
    {
        ExecutionStatus.Succeeded => "succeeded",
        ExecutionStatus.VerificationFailed => "failed verification",
        _ => "failed",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Learned {RecordId} from incident {Fingerprint}: {ActionKind} {Outcome}")]
    private partial void LogLearned(string recordId, string fingerprint, string actionKind, string outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Learned {RecordId}: {Title}")]
    private partial void LogStoredQueued(string recordId, string title);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing learned records in the knowledge base failed, so they stay queued; retrying in {DelayMs} ms: {Reason}")]
    private partial void LogLearnFailed(string reason, long delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The learning queue holds {Capacity} records, its maximum; the outcome of {ActionKind} on host {HostName} is not learned")]
    private partial void LogQueueFull(string actionKind, string hostName, int capacity);

    [LoggerMessage(Level = LogLevel.Error, Message = "Queueing the outcome of {ActionKind} on host {HostName} for learning failed")]
    private partial void LogQueueFailed(Exception exception, string actionKind, string hostName);
}

/// <summary>What one <see cref="KnowledgeLearner.DrainAsync"/> call did.</summary>
/// <param name="Stored">Records stored in ChromaDB and removed from the queue.</param>
/// <param name="Failure">Why storing stopped, or null when the queue is empty.</param>
public sealed record LearningDrainResult(int Stored, string? Failure);
