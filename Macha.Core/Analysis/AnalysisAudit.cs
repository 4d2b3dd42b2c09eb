using System.Text.Json;
using System.Text.Json.Nodes;
using Macha.Core.Analysis.Decisions;
using Macha.Core.Storage.Audit;

namespace Macha.Core.Analysis;

/// <summary>
/// Records the outcome of an analysis (succeeded, failed or skipped) as one "decision" line in
/// <c>decisions.jsonl</c>.
/// </summary>
internal static class AnalysisAudit
{
    private const string Actor = "macha";

    /// <summary>
    /// Appends the decision line for a finished analysis. A write failure is already logged by the
    /// audit log and is not raised here, because the analysis itself is stored in the database and
    /// the worker must go on with the next one.
    /// </summary>
    public static async Task RecordAsync(this IAuditLog audit, AnalysisRecord record, int toolCallCount)
    {
        var data = new JsonObject
        {
            ["analysis_id"] = record.Id,
            ["state"] = record.State.ToString().ToLowerInvariant(),
            ["reason"] = record.Reason,
            ["model"] = record.Model,
            ["trigger"] = record.Trigger.ToString(),
            ["fingerprint"] = record.Fingerprint,
            ["tool_calls"] = toolCallCount,
            ["retrieved"] = string.IsNullOrWhiteSpace(record.RetrievedJson) ? new JsonArray() : JsonNode.Parse(record.RetrievedJson),
            ["retrieval_note"] = record.RetrievalNote,
        };

        var decision = record.DecisionJson is null ? null : JsonSerializer.Deserialize<AnalysisDecision>(record.DecisionJson);
        if (decision is not null)
        {
            data["summary"] = decision.Summary;
            data["confidence"] = decision.Confidence;
            data["proposed_action_kinds"] = new JsonArray([.. decision.ProposedActions.Select(a => JsonValue.Create(a.Kind))]);
        }

        try
        {
            // Not cancellable: the analysis is already saved, and its audit line must follow it.
            await audit.AppendAsync(AuditFile.Decisions, new AuditEvent(AuditEventTypes.Decision, Actor, record.HostName, record.IncidentId, data), CancellationToken.None);
        }
        catch (AuditWriteException)
        {
            // Logged with the file and the cause by the audit log.
        }
    }
}
