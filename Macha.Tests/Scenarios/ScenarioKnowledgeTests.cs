using System.Text.Json;
using Macha.Core.Actions;
using Macha.Core.Actions.Execution;
using Macha.Core.Analysis;
using Macha.Core.Cycle;
using Macha.Core.Knowledge;
using Macha.Core.Storage;
using Macha.Tests.Actions;
using Macha.Tests.Cycle;
using Macha.Tests.Fakes;
using Macha.Tests.Knowledge;
using Microsoft.EntityFrameworkCore;

namespace Macha.Tests.Scenarios;

/// <summary>
/// A scenario incident analysed with the knowledge base on a real Chroma server. The server holds
/// the seeded notes, a note a person added that has nothing to do with the incident, and a fix
/// learned from an action that ran and passed its check. The fake Ollama server records what the
/// model was sent.
/// </summary>
[Collection(ChromaTestCollection.Name)]
public sealed class ScenarioKnowledgeTests
{
    private const string Model = "qwen3:8b";
    private const string SeedNoteId = "seed-failed-unit-restart";
    private const string SeedNoteTitle = "A systemd service is in the failed state";
    private const string UnrelatedTitle = "Office printer toner order";
    private const string RestartLine = "sudo -n systemctl restart -- apache2.service";
    private const string IsActiveLine = "systemctl is-active -- apache2.service";

    private const string Decision = """
        {"summary": "apache2.service failed.",
         "diagnosis": "A restart fixed the same failure before.",
         "confidence": 0.7,
         "root_cause_hypothesis": "A transient failure at start.",
         "proposed_actions": [{"kind": "restart_unit", "unit": "apache2.service", "reason": "It worked last time.", "expected_effect": "apache2.service is active.", "undo": "None needed."}]}
        """;

    private readonly ChromaServerFixture _chroma;

    public ScenarioKnowledgeTests(ChromaServerFixture chroma)
    {
        _chroma = chroma;
    }

    [Fact]
    public async Task Analyze_FailedUnit_RetrievesSeedAndFix()
    {
        await using var ollama = await FakeOllamaServer.StartAsync();
        ollama.UseDeterministicEmbeddings(KnowledgeTestBed.Dimensions);
        var scenario = Scenario.Load("08-failed-unit-old-systemd-exit-zero.txt");
        await using var harness = await StartAsync(scenario, ollama);
        await harness.Get<KnowledgeStartup>().PrepareAsync();
        var unrelated = await harness.Get<KnowledgeStore>().AddNoteAsync(
            UnrelatedTitle, "Order two black toner cartridges for the third floor laser printer every quarter from the stationery supplier.", ["office"]);
        await harness.Get<HealthCycle>().RunAsync(CycleTrigger.Scheduled);
        var (incident, analysisId) = await QueuedAnalysisAsync(harness);

        var learnedId = await LearnFromVerifiedRestartAsync(harness, incident.Id);
        var query = KnowledgeRetriever.QueryFor(incident);
        await WaitUntilSearchableAsync(harness, KnowledgeCollection.Incidents, query, learnedId);
        await WaitUntilSearchableAsync(harness, KnowledgeCollection.Knowledge, query, SeedNoteId);
        ollama.EnqueueChat(FakeOllamaResponses.ChatToolCall(Model, "knowledge_search", """{"query": "apache2.service failed restart"}"""));
        ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "The knowledge base has what I need."));
        ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, Decision));

        var record = await harness.Get<IncidentAnalyst>().AnalyzeAsync(analysisId);

        Assert.True(record.State == AnalysisState.Succeeded, record.Reason);
        var retrieved = JsonSerializer.Deserialize<List<RetrievedRecord>>(record.RetrievedJson)!;
        Assert.Contains(retrieved, r => r.Id == SeedNoteId && r.Collection == "knowledge");
        Assert.Contains(retrieved, r => r.Id == learnedId && r.Collection == "incidents");
        Assert.DoesNotContain(retrieved, r => r.Id == unrelated.Id);
        var requests = ollama.RequestBodies(FakeOllamaServer.Chat);
        var prompt = requests[0].GetProperty("messages")[1].GetProperty("content").GetString()!;
        Assert.Contains(SeedNoteTitle, prompt, StringComparison.Ordinal);
        Assert.Contains("FailedUnit apache2.service: restart_unit succeeded", prompt, StringComparison.Ordinal);
        Assert.DoesNotContain(UnrelatedTitle, prompt, StringComparison.Ordinal);
        var toolResult = ToolResult(requests[1]);
        Assert.Contains("restart_unit succeeded", toolResult, StringComparison.Ordinal);
        Assert.Contains(SeedNoteTitle, toolResult, StringComparison.Ordinal);
        Assert.DoesNotContain(UnrelatedTitle, toolResult, StringComparison.Ordinal);
        var toolCall = Assert.Single(JsonSerializer.Deserialize<List<ToolCallRecord>>(record.ToolCallsJson)!);
        Assert.Equal("knowledge_search", toolCall.Tool);
    }

    private Task<CycleHarness> StartAsync(Scenario scenario, FakeOllamaServer ollama)
    {
        var settings = new Dictionary<string, string?>(scenario.Settings)
        {
            ["Macha:Analysis:Enabled"] = "true",
            ["Macha:Analysis:OllamaUrl"] = ollama.Uri.ToString(),
            ["Macha:Analysis:Model"] = Model,
            ["Macha:Analysis:RequestTimeout"] = "00:00:30",
            ["Macha:Knowledge:ChromaUrl"] = _chroma.Server.Uri.ToString(),
            ["Macha:Knowledge:Database"] = $"scenario-{Guid.NewGuid():N}",
            ["Macha:Knowledge:EmbeddingModel"] = KnowledgeTestBed.Model,
            ["Macha:Knowledge:MinSimilarity"] = "0.3",
            ["Macha:Knowledge:RequestTimeout"] = "00:00:05",
            ["Macha:Actions:RestartSettleTime"] = "00:00:00",
            ["Macha:Monitoring:CommandTimeout"] = "00:00:00.200",
            ["Macha:Monitoring:NetworkMountTimeout"] = "00:00:00.200",
            ["Macha:Monitoring:CollectorTimeout"] = "00:00:05",
        };
        return CycleHarness.StartAsync(null, [new ScenarioShell(scenario, previousCycle: false)], settings);
    }

    private static async Task<(Macha.Core.Incidents.IncidentRecord Incident, Guid AnalysisId)> QueuedAnalysisAsync(CycleHarness harness)
    {
        await using var db = harness.OpenDatabase();
        var incident = await db.Incidents.AsNoTracking().SingleAsync(i => i.Subject == "apache2.service");
        var analysis = await db.Analyses.AsNoTracking().SingleAsync(a => a.IncidentId == incident.Id);
        return (incident, analysis.Id);
    }

    // Runs a real restart through the executor on a host that responds like a fixed apache2, so the
    // check afterwards passes, and lets the learner store what it learned.
    private static async Task<string> LearnFromVerifiedRestartAsync(CycleHarness harness, Guid incidentId)
    {
        var request = (ExecutableActionRequest)ActionRequestFactory.FromProposal(ActionTestData.Restart("apache2.service"), "scenario-host", incidentId).Request!;
        var host = new ReplayShell("scenario-host").WithCommand(RestartLine, "").WithCommand(IsActiveLine, "active\n");
        var outcome = await harness.Get<ActionExecutor>().ExecuteAsync(request, host, "macha");
        Assert.Equal(ExecutionStatus.Succeeded, outcome.Status);

        await harness.Get<ActionOutcomeListeners>().NotifyAsync(request, outcome, "apache2.service exited at start; a restart brought it back.");
        await using (var db = harness.OpenDatabase())
        {
            Assert.Equal(1, await db.PendingLearnings.CountAsync());
        }

        var drained = await harness.Get<KnowledgeLearner>().DrainAsync();
        Assert.Equal(new LearningDrainResult(1, null), drained);
        return KnowledgeLearner.Describe(await FindIncidentAsync(harness, incidentId), new ActionOutcomeNotice(request, outcome, null)).Id;
    }

    private static async Task<Macha.Core.Incidents.IncidentRecord> FindIncidentAsync(CycleHarness harness, Guid incidentId)
    {
        await using var db = harness.OpenDatabase();
        return await db.Incidents.AsNoTracking().SingleAsync(i => i.Id == incidentId);
    }

    private static async Task WaitUntilSearchableAsync(CycleHarness harness, KnowledgeCollection collection, string query, string id)
    {
        var store = harness.Get<KnowledgeStore>();
        for (var attempt = 0; attempt < 150; attempt++)
        {
            var hits = await store.SearchAsync(query, [collection], 50, -1, ModelRequestPriority.Interactive);
            if (hits.Any(hit => hit.Id == id))
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Record {id} did not become searchable in {collection}.");
    }

    private static string ToolResult(JsonElement chatRequest) =>
        chatRequest.GetProperty("messages").EnumerateArray()
            .Single(message => message.GetProperty("role").GetString() == "tool")
            .GetProperty("content").GetString()!;
}
