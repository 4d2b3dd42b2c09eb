using System.Globalization;
using System.Text;
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
/// Outcomes are queued in memory and stored by a background loop, because embedding waits for the
/// model queue and the action path must not. The queue holds at most <see cref="Capacity"/> outcomes;
/// beyond that, and across a restart, outcomes are dropped with a warning.
/// </remarks>
public sealed partial class KnowledgeLearner : BackgroundService, IActionOutcomeListener
{
    public const string HostKey = "host";
    public const string FingerprintKey = "fingerprint";
    public const string IncidentKindKey = "incident_kind";
    public const string ActionKindKey = "action_kind";
    public const string OutcomeKey = "outcome";
    public const string IncidentIdKey = "incident_id";

    public const int Capacity = 256;

    /// <summary>Longest evidence excerpt stored with a learned incident, in characters.</summary>
    private const int MaxEvidenceCharacters = 1500;

    private readonly Channel<ActionOutcomeNotice> _queue = Channel.CreateBounded<ActionOutcomeNotice>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly KnowledgeStore _store;
    private readonly IDbContextFactory<MachaDbContext> _databases;
    private readonly ILogger<KnowledgeLearner> _logger;

    internal KnowledgeLearner(KnowledgeStore store, IDbContextFactory<MachaDbContext> databases, ILogger<KnowledgeLearner> logger)
    {
        _store = store;
        _databases = databases;
        _logger = logger;
    }

    public Task OnActionCompletedAsync(ActionOutcomeNotice notice, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notice);
        if (_store.IsConfigured && IsLearnable(notice) && !_queue.Writer.TryWrite(notice))
        {
            LogQueueFull(notice.Request.Kind, notice.Request.HostName);
        }

        return Task.CompletedTask;
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
        await foreach (var notice in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await LearnAsync(notice, stoppingToken);
            }
            catch (KnowledgeUnavailableException ex)
            {
                // NOTE: the outcome is dropped; it is still in actions.jsonl, but nothing re-learns from there yet.
                LogLearnFailed(notice.Request.Kind, notice.Request.HostName, ex.Message);
            }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not learn from {ActionKind} on host {HostName}: {Reason}")]
    private partial void LogLearnFailed(string actionKind, string hostName, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The learning queue is full; the outcome of {ActionKind} on host {HostName} is not learned")]
    private partial void LogQueueFull(string actionKind, string hostName);
}
