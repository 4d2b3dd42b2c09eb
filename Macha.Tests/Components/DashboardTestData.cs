using System.Text.Json;
using Macha.Core.Analysis;
using Macha.Core.Incidents;
using Macha.Core.Storage;
using Macha.Tests.Cycle;

namespace Macha.Tests.Components;

/// <summary>Stored incidents, analyses, findings and metrics for page tests, written straight to SQLite.</summary>
internal static class DashboardTestData
{
    public static async Task<IncidentRecord> AddIncidentAsync(
        CycleHarness harness,
        DateTimeOffset at,
        string hostName = "test-host",
        string severity = "Warning",
        IncidentState state = IncidentState.Open,
        string subject = "nginx.service")
    {
        var incident = new IncidentRecord
        {
            Id = Guid.NewGuid(),
            Fingerprint = $"{hostName}:FailedUnit:{subject}",
            HostName = hostName,
            Kind = "FailedUnit",
            Subject = subject,
            State = state,
            Severity = severity,
            Summary = $"{subject} failed",
            Evidence = "Result=exit-code, ExecMainStatus=1",
            OpenedAt = at,
            LastSeenAt = at,
            ChangedAt = at,
            CyclesSeen = 1,
            ChangeReason = "new finding",
        };
        await using var db = harness.OpenDatabase();
        db.Incidents.Add(incident);
        db.Findings.Add(new FindingRecord
        {
            HostName = hostName,
            Kind = incident.Kind,
            Subject = subject,
            Severity = severity,
            Summary = incident.Summary,
            Evidence = "nginx: [emerg] bind() to 0.0.0.0:80 failed",
            Fingerprint = incident.Fingerprint,
            DetectedAt = at,
        });
        await db.SaveChangesAsync();
        return incident;
    }

    public static async Task AddAnalysisAsync(CycleHarness harness, IncidentRecord incident, DateTimeOffset at)
    {
        await using var db = harness.OpenDatabase();
        db.Analyses.Add(new AnalysisRecord
        {
            Id = Guid.NewGuid(),
            IncidentId = incident.Id,
            HostName = incident.HostName,
            Fingerprint = incident.Fingerprint,
            Trigger = IncidentChangeKind.Opened,
            State = AnalysisState.Succeeded,
            Model = "qwen3:8b",
            RequestedAt = at,
            FinishedAt = at,
            ModelCalls = 2,
            DecisionJson = """{"summary":"Port 80 is taken","diagnosis":"Another process listens on port 80.","confidence":0.8,"root_cause_hypothesis":"apache2 started first","proposed_actions":[]}""",
            ToolCallsJson = JsonSerializer.Serialize(new[] { new ToolCallRecord("unit_status", """{"unit":"nginx.service"}""", true, 812, 14.2, null) }),
        });
        await db.SaveChangesAsync();
    }

    public static async Task AddMetricsAsync(CycleHarness harness, string hostName, DateTimeOffset from, int count, TimeSpan step, double memoryPercent)
    {
        await using var db = harness.OpenDatabase();
        for (var i = 0; i < count; i++)
        {
            db.HostMetrics.Add(new HostMetricRecord
            {
                HostName = hostName,
                TakenAt = from + (step * i),
                CpuPercent = 10 + i,
                MemoryPercent = memoryPercent,
                Load1 = 0.5,
                DiskMaxPercent = 40,
                DiskMaxMountPoint = "/",
            });
        }

        await db.SaveChangesAsync();
    }
}
