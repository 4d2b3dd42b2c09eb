using System.Text.Json;
using Macha.Core.Monitoring;
using Macha.Core.Storage;

namespace Macha.Web.Api;

public sealed record FindingResponse(
    long Id,
    Guid CycleRunId,
    string HostName,
    string Kind,
    string Subject,
    string Severity,
    string Summary,
    string Evidence,
    string Fingerprint,
    DateTimeOffset DetectedAt)
{
    public static FindingResponse From(FindingRecord record) => new(
        record.Id,
        record.CycleRunId,
        record.HostName,
        record.Kind,
        record.Subject,
        record.Severity,
        record.Summary,
        record.Evidence,
        record.Fingerprint,
        record.DetectedAt);
}

public sealed record CycleRunResponse(
    Guid Id,
    string Trigger,
    string State,
    DateTimeOffset RequestedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    double? DurationMs,
    int HostCount,
    int FindingCount,
    string? Error,
    IReadOnlyDictionary<string, List<CollectorStatus>> Collectors)
{
    public static CycleRunResponse From(CycleRunRecord record) => new(
        record.Id,
        record.Trigger.ToString(),
        record.State.ToString(),
        record.RequestedAt,
        record.StartedAt,
        record.FinishedAt,
        record.DurationMs,
        record.HostCount,
        record.FindingCount,
        record.Error,
        JsonSerializer.Deserialize<Dictionary<string, List<CollectorStatus>>>(record.CollectorStatusesJson, SnapshotJson.Options) ?? []);
}

public sealed record CycleStartedResponse(Guid Id, string StatusUrl);

/// <summary>One analysis of an incident, with its decision and tool calls as parsed JSON.</summary>
public sealed record AnalysisResponse(
    Guid Id,
    Guid IncidentId,
    string Trigger,
    string State,
    string? Reason,
    string Model,
    DateTimeOffset RequestedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int ModelCalls,
    int MaxPromptTokens,
    JsonElement? Decision,
    JsonElement ToolCalls,
    JsonElement Retrieved,
    string? RetrievalNote)
{
    public static AnalysisResponse From(Macha.Core.Analysis.AnalysisRecord record) => new(
        record.Id,
        record.IncidentId,
        record.Trigger.ToString(),
        record.State.ToString(),
        record.Reason,
        record.Model,
        record.RequestedAt,
        record.StartedAt,
        record.FinishedAt,
        record.ModelCalls,
        record.MaxPromptTokens,
        record.DecisionJson is null ? null : JsonDocument.Parse(record.DecisionJson).RootElement.Clone(),
        JsonDocument.Parse(record.ToolCallsJson).RootElement.Clone(),
        JsonDocument.Parse(string.IsNullOrWhiteSpace(record.RetrievedJson) ? "[]" : record.RetrievedJson).RootElement.Clone(),
        record.RetrievalNote);
}
