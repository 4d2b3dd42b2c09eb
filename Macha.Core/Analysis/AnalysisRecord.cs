using Macha.Core.Incidents;

namespace Macha.Core.Analysis;

public enum AnalysisState
{
    Queued,
    Running,
    Succeeded,

    /// <summary>The model could not give a valid decision; the rule-based playbooks stay in charge.</summary>
    Failed,

    /// <summary>Not sent to the model, such as when analysis is disabled.</summary>
    Skipped,
}

/// <summary>One analysis of one incident by the model: what was asked, what it did, what it decided.</summary>
public sealed class AnalysisRecord
{
    public Guid Id { get; set; }

    public Guid IncidentId { get; set; }

    public required string HostName { get; set; }

    public required string Fingerprint { get; set; }

    /// <summary>The incident change that asked for this analysis.</summary>
    public IncidentChangeKind Trigger { get; set; }

    public AnalysisState State { get; set; }

    /// <summary>Why the analysis failed or was skipped, in one sentence; null when it succeeded.</summary>
    public string? Reason { get; set; }

    public required string Model { get; set; }

    public DateTimeOffset RequestedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public int ModelCalls { get; set; }

    /// <summary>Largest estimated prompt of any call, in tokens, for the context budget.</summary>
    public int MaxPromptTokens { get; set; }

    /// <summary>The validated decision as JSON; null unless the analysis succeeded.</summary>
    public string? DecisionJson { get; set; }

    /// <summary>Every tool call as JSON: tool, arguments, output size, duration, success.</summary>
    public string ToolCallsJson { get; set; } = "[]";

    /// <summary>What the knowledge base returned for the prompt, as JSON: collection, id, title and similarity of each record.</summary>
    public string RetrievedJson { get; set; } = "[]";

    /// <summary>Why the analysis ran without retrieval (knowledge base not configured or unavailable); null when retrieval ran.</summary>
    public string? RetrievalNote { get; set; }

    /// <summary>When the proposals (or playbooks) of this analysis went through the action policy; null until then.</summary>
    public DateTimeOffset? PlannedAt { get; set; }
}

/// <summary>One tool call made during an analysis, as recorded with the decision.</summary>
public sealed record ToolCallRecord(
    string Tool,
    string ArgumentsJson,
    bool Succeeded,
    long OutputBytes,
    double DurationMs,
    string? CachedOutputId);
