using System.Text.Json;
using Macha.Core.Actions;
using Macha.Core.Actions.Execution;
using Macha.Core.Analysis;
using Macha.Core.Hosts;
using Macha.Core.Knowledge;
using Macha.Tests.Actions;
using Macha.Tests.Fakes;

namespace Macha.Tests.Knowledge;

/// <summary>An incident analysis with a real Chroma server behind the knowledge base, working and down.</summary>
[Collection(ChromaTestCollection.Name)]
public sealed class KnowledgeAnalysisTests
{
    private const string Decision = """
        {"summary": "nginx.service failed again.",
         "diagnosis": "The unit failed; a restart fixed the same failure before.",
         "confidence": 0.7,
         "root_cause_hypothesis": "A transient failure at start.",
         "proposed_actions": [{"kind": "restart_unit", "unit": "nginx.service", "reason": "It worked last time.", "expected_effect": "nginx.service is active.", "undo": "Stop it again."}]}
        """;

    private readonly ChromaServerFixture _chroma;

    public KnowledgeAnalysisTests(ChromaServerFixture chroma)
    {
        _chroma = chroma;
    }

    [Fact]
    public async Task AnalyzeAsync_SeededAndLearned_RetrievesBoth()
    {
        await using var bed = await StartAsync(_chroma.Server.Uri);
        await bed.Get<KnowledgeStartup>().PrepareAsync();
        var (incident, analysisId) = await bed.OpenIncidentAsync();
        var learned = await bed.Get<KnowledgeLearner>().LearnAsync(RestartSucceeded(incident.Id));
        await bed.WaitUntilSearchableAsync(KnowledgeCollection.Incidents, KnowledgeRetriever.QueryFor(incident), learned!);
        await bed.WaitUntilSearchableAsync(KnowledgeCollection.Knowledge, KnowledgeRetriever.QueryFor(incident), "seed-failed-unit-restart");
        ScriptModel(bed.Ollama);

        var record = await bed.Get<IncidentAnalyst>().AnalyzeAsync(analysisId);

        Assert.True(record.State == AnalysisState.Succeeded, record.Reason);
        Assert.Null(record.RetrievalNote);
        var retrieved = JsonSerializer.Deserialize<List<RetrievedRecord>>(record.RetrievedJson)!;
        Assert.Contains(retrieved, r => r.Id == "seed-failed-unit-restart" && r.Collection == "knowledge");
        Assert.Contains(retrieved, r => r.Id == learned && r.Collection == "incidents");
        Assert.All(retrieved, r => Assert.InRange(r.Similarity, 0.2, 1));
        var prompt = FirstUserPrompt(bed.Ollama);
        Assert.Contains("From Macha's knowledge base", prompt, StringComparison.Ordinal);
        Assert.Contains("A systemd service is in the failed state", prompt, StringComparison.Ordinal);
        Assert.Contains("restart_unit succeeded", prompt, StringComparison.Ordinal);
        var decisionLine = JsonDocument.Parse(File.ReadLines(Path.Combine(bed.Harness.DataDirectory, "decisions.jsonl")).Last()).RootElement;
        Assert.Equal(retrieved.Count, decisionLine.GetProperty("data").GetProperty("retrieved").GetArrayLength());
    }

    [Fact]
    public async Task AnalyzeAsync_ChromaDown_SucceedsWithoutRetrieval()
    {
        await using var chroma = await ChromaServer.StartAsync();
        await using var bed = await StartAsync(chroma.Uri);
        await bed.Get<KnowledgeStartup>().PrepareAsync();
        var (_, analysisId) = await bed.OpenIncidentAsync();
        ScriptModel(bed.Ollama);
        await chroma.StopAsync();

        var record = await bed.Get<IncidentAnalyst>().AnalyzeAsync(analysisId);

        Assert.True(record.State == AnalysisState.Succeeded, record.Reason);
        Assert.Equal("[]", record.RetrievedJson);
        Assert.Contains("knowledge base was unavailable", record.RetrievalNote, StringComparison.Ordinal);
        Assert.DoesNotContain("From Macha's knowledge base", FirstUserPrompt(bed.Ollama), StringComparison.Ordinal);
        Assert.Equal(KnowledgeState.Down, (await bed.Get<KnowledgeStatus>().CheckAsync()).State);
    }

    [Fact]
    public async Task AnalyzeAsync_KnowledgeNotConfigured_RecordsWhy()
    {
        var ollama = await FakeOllamaServer.StartAsync();
        await using var bed = await KnowledgeTestBed.StartAsync(_chroma.Server.Uri, ollama: ollama, analysisEnabled: true, settings: new Dictionary<string, string?> { ["Macha:Knowledge:ChromaUrl"] = null });
        var (_, analysisId) = await bed.OpenIncidentAsync();
        ScriptModel(bed.Ollama);

        var record = await bed.Get<IncidentAnalyst>().AnalyzeAsync(analysisId);
        await ollama.DisposeAsync();

        Assert.Equal(AnalysisState.Succeeded, record.State);
        Assert.Equal("the knowledge base is not configured", record.RetrievalNote);
    }

    [Fact]
    public async Task KnowledgeSearchTool_Query_ReturnsSimilarNotes()
    {
        await using var bed = await StartAsync(_chroma.Server.Uri);
        await bed.Get<KnowledgeStartup>().PrepareAsync();
        await bed.WaitUntilSearchableAsync(KnowledgeCollection.Knowledge, "nix store garbage collection generations", "seed-nix-store-garbage");
        var tool = bed.Get<IEnumerable<Macha.Core.Analysis.Tools.IAnalysisTool>>().Single(t => t.Name == "knowledge_search");

        var output = await tool.InvokeAsync(new Macha.Core.Analysis.Tools.ToolInvocation(
            new ReplayShell("test-host"),
            JsonDocument.Parse("""{"query": "nix store garbage collection generations", "collection": "knowledge", "limit": 2}""").RootElement));
        var invalid = await tool.InvokeAsync(new Macha.Core.Analysis.Tools.ToolInvocation(
            new ReplayShell("test-host"),
            JsonDocument.Parse("""{"query": "nix", "collection": "everything"}""").RootElement));

        Assert.True(output.Succeeded, output.Text);
        Assert.StartsWith("[knowledge] The Nix store takes most of the disk", output.Text, StringComparison.Ordinal);
        Assert.Contains("similarity", output.Text, StringComparison.Ordinal);
        Assert.False(invalid.Succeeded);
        Assert.Contains("collection", invalid.Text, StringComparison.Ordinal);
    }

    private static Task<KnowledgeTestBed> StartAsync(Uri chromaUrl) =>
        KnowledgeTestBed.StartAsync(chromaUrl, analysisEnabled: true, collectors: [new FailedUnitCollector("nginx.service")]);

    private static void ScriptModel(FakeOllamaServer ollama)
    {
        ollama.EnqueueChat(FakeOllamaResponses.ChatText(KnowledgeTestBed.ChatModel, "No tool needed."));
        ollama.EnqueueChat(FakeOllamaResponses.ChatText(KnowledgeTestBed.ChatModel, Decision));
    }

    private static string FirstUserPrompt(FakeOllamaServer ollama) =>
        ollama.RequestBodies(FakeOllamaServer.Chat)[0].GetProperty("messages")[1].GetProperty("content").GetString()!;

    private static ActionOutcomeNotice RestartSucceeded(Guid incidentId)
    {
        var request = (ExecutableActionRequest)ActionRequestFactory.FromProposal(ActionTestData.Restart("nginx.service"), "test-host", incidentId).Request!;
        var outcome = new ExecutionOutcome(
            ExecutionStatus.Succeeded,
            "nginx.service is active.",
            [new ExecutedCommand(["sudo", "-n", "systemctl", "restart", "--", "nginx.service"], CommandStatus.Exited, 0, TimeSpan.FromSeconds(1))],
            string.Empty,
            TimeSpan.FromSeconds(2));
        return new ActionOutcomeNotice(request, outcome, "nginx.service exited at start; a restart brought it back.");
    }
}
