using System.Text.Json;
using Macha.Core.Analysis;
using Macha.Core.Analysis.MapReduce;
using Macha.Core.Analysis.Tools;
using Macha.Core.Cycle;
using Macha.Core.Storage;
using Macha.Tests.Cycle;
using Macha.Tests.Fakes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Macha.Tests.Analysis;

public sealed class IncidentAnalystTests : IAsyncLifetime
{
    private const string Model = "qwen3:8b";

    private const string ValidDecision = """
        {"summary": "The disks collector keeps failing.",
         "diagnosis": "The collector threw an exception in its parser.",
         "confidence": 0.6,
         "root_cause_hypothesis": "Unexpected df output.",
         "proposed_actions": [{"kind": "run_diagnostic", "diagnostic": "disk_usage", "reason": "See the real df output.", "expected_effect": "The output that broke the parser.", "undo": "Read-only."}]}
        """;

    private readonly EchoTool _tool = new();
    private FakeOllamaServer _ollama = default!;
    private CycleHarness _harness = default!;

    public async Task InitializeAsync()
    {
        _ollama = await FakeOllamaServer.StartAsync();
        _harness = await StartHarnessAsync(enabled: true);
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _ollama.DisposeAsync();
    }

    [Fact]
    public async Task AnalyzeAsync_ToolCallThenValidAnswer_StoresDecisionAndToolCall()
    {
        _ollama.EnqueueChat(FakeOllamaResponses.ChatToolCall(Model, "echo", """{"text": "df -P"}"""));
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "I have what I need."));
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, ValidDecision));
        var analysisId = await OpenIncidentAsync();

        var record = await _harness.Get<IncidentAnalyst>().AnalyzeAsync(analysisId);

        Assert.Equal(AnalysisState.Succeeded, record.State);
        Assert.Equal(3, record.ModelCalls);
        Assert.Equal("The disks collector keeps failing.", JsonDocument.Parse(record.DecisionJson!).RootElement.GetProperty("summary").GetString());
        var toolCall = Assert.Single(JsonSerializer.Deserialize<List<ToolCallRecord>>(record.ToolCallsJson)!);
        Assert.Equal("echo", toolCall.Tool);
        Assert.True(toolCall.Succeeded);
        Assert.Equal(["df -P"], _tool.Received);
    }

    [Fact]
    public async Task AnalyzeAsync_ToolOutputTooLarge_SummarisesItByMapReduce()
    {
        _tool.LargeOutput = string.Join('\n', Enumerable.Range(0, 60).Select(i => $"Dec 04 11:{i:00}:00 web-1 app[812]: request {i} failed: upstream timed out"));
        _ollama.EnqueueChat(FakeOllamaResponses.ChatToolCall(Model, "echo", """{"text": "logs"}"""));
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "NOTE: 60 upstream timeouts from app[812] between 11:00 and 11:59."));
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "I have what I need."));
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, ValidDecision));
        var analysisId = await OpenIncidentAsync();

        var record = await _harness.Get<IncidentAnalyst>().AnalyzeAsync(analysisId);

        Assert.True(record.State == AnalysisState.Succeeded, record.Reason);
        var requests = _ollama.RequestBodies(FakeOllamaServer.Chat);
        Assert.Contains("upstream timed out", requests[1].GetRawText(), StringComparison.Ordinal);
        var toolResult = requests[2].GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString();
        Assert.Contains("60 upstream timeouts", toolResult, StringComparison.Ordinal);
        Assert.NotNull(Assert.Single(JsonSerializer.Deserialize<List<ToolCallRecord>>(record.ToolCallsJson)!).CachedOutputId);
    }

    [Fact]
    public async Task AnalyzeAsync_Always_SendsToolsOptionsAndSchema()
    {
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "No tool needed."));
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, ValidDecision));
        var analysisId = await OpenIncidentAsync();

        await _harness.Get<IncidentAnalyst>().AnalyzeAsync(analysisId);

        var requests = _ollama.RequestBodies(FakeOllamaServer.Chat);
        Assert.Equal(2, requests.Count);
        var first = requests[0];
        Assert.Equal(Model, first.GetProperty("model").GetString());
        Assert.Equal(8192, first.GetProperty("options").GetProperty("num_ctx").GetInt32());
        Assert.Equal("echo", first.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString());
        var userPrompt = first.GetProperty("messages")[1].GetProperty("content").GetString()!;
        Assert.Contains("```data", userPrompt, StringComparison.Ordinal);
        Assert.Contains("CollectorFailed", userPrompt, StringComparison.Ordinal);
        var final = requests[1];
        Assert.Equal(JsonValueKind.Object, final.GetProperty("format").ValueKind);
        Assert.True(final.GetProperty("format").GetProperty("properties").TryGetProperty("proposed_actions", out _));
    }

    [Fact]
    public async Task AnalyzeAsync_InvalidThenRepairedAnswer_Succeeds()
    {
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "Done looking."));
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, """{"summary": "x"}"""));
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, ValidDecision));
        var analysisId = await OpenIncidentAsync();

        var record = await _harness.Get<IncidentAnalyst>().AnalyzeAsync(analysisId);

        Assert.Equal(AnalysisState.Succeeded, record.State);
        var repairRequest = _ollama.RequestBodies(FakeOllamaServer.Chat)[2];
        var lastMessage = repairRequest.GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString();
        Assert.Contains("was not a valid decision", lastMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnalyzeAsync_InvalidAfterRepair_FailsWithReason()
    {
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "Done looking."));
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "nginx is broken, restart it"));
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "really, restart it"));
        var analysisId = await OpenIncidentAsync();

        var record = await _harness.Get<IncidentAnalyst>().AnalyzeAsync(analysisId);

        Assert.Equal(AnalysisState.Failed, record.State);
        Assert.Contains("invalid after one repair attempt", record.Reason, StringComparison.Ordinal);
        Assert.Null(record.DecisionJson);
    }

    [Fact]
    public async Task AnalyzeAsync_OllamaDown_FailsAsUnreachable()
    {
        var analysisId = await OpenIncidentAsync();
        await _ollama.StopAsync();

        var record = await _harness.Get<IncidentAnalyst>().AnalyzeAsync(analysisId);

        Assert.Equal(AnalysisState.Failed, record.State);
        Assert.False(string.IsNullOrWhiteSpace(record.Reason));
        Assert.NotNull(record.FinishedAt);
    }

    [Fact]
    public async Task AnalyzeAsync_ModelMissing_FailsWithPullHint()
    {
        _ollama.EnqueueChat(FakeOllamaResponses.ModelNotFound());
        var analysisId = await OpenIncidentAsync();

        var record = await _harness.Get<IncidentAnalyst>().AnalyzeAsync(analysisId);

        Assert.Equal(AnalysisState.Failed, record.State);
        Assert.Contains("ollama pull", record.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnalyzeAsync_UndeclaredToolCalled_RecordsItWithoutRunningAnything()
    {
        _ollama.EnqueueChat(FakeOllamaResponses.ChatToolCall(Model, "run_shell", """{"command": "rm -rf /"}"""));
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "Fine."));
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, ValidDecision));
        var analysisId = await OpenIncidentAsync();

        var record = await _harness.Get<IncidentAnalyst>().AnalyzeAsync(analysisId);

        var call = Assert.Single(JsonSerializer.Deserialize<List<ToolCallRecord>>(record.ToolCallsJson)!);
        Assert.Equal("run_shell", call.Tool);
        Assert.False(call.Succeeded);
        Assert.Empty(_tool.Received);
    }

    [Fact]
    public async Task AnalyzeAsync_PromptFilledTheContext_FailsAsOverflow()
    {
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "No tool needed.", promptEvalCount: 8192));
        var analysisId = await OpenIncidentAsync();

        var record = await _harness.Get<IncidentAnalyst>().AnalyzeAsync(analysisId);

        Assert.Equal(AnalysisState.Failed, record.State);
        Assert.False(string.IsNullOrWhiteSpace(record.Reason));
    }

    [Fact]
    public async Task Cycle_AnalysisDisabled_RecordsSkippedWithoutCallingTheModel()
    {
        await using var disabled = await StartHarnessAsync(enabled: false);

        await disabled.Get<HealthCycle>().RunAsync(CycleTrigger.Scheduled);

        await using var db = disabled.OpenDatabase();
        var analysis = await db.Analyses.SingleAsync();
        Assert.Equal(AnalysisState.Skipped, analysis.State);
        Assert.Contains("Macha:Analysis:Enabled", analysis.Reason, StringComparison.Ordinal);
        Assert.Empty(_ollama.RequestBodies(FakeOllamaServer.Chat));
        var decisionLine = JsonDocument.Parse(File.ReadLines(Path.Combine(disabled.DataDirectory, "decisions.jsonl")).Single()).RootElement;
        Assert.Equal("skipped", decisionLine.GetProperty("data").GetProperty("state").GetString());
        Assert.Equal(analysis.Id, decisionLine.GetProperty("data").GetProperty("analysis_id").GetGuid());
    }

    [Fact]
    public async Task Cycle_UnchangedIncident_QueuesNoSecondAnalysis()
    {
        var cycle = _harness.Get<HealthCycle>();

        await cycle.RunAsync(CycleTrigger.Scheduled);
        await cycle.RunAsync(CycleTrigger.Scheduled);

        await using var db = _harness.OpenDatabase();
        Assert.Equal(1, await db.Analyses.CountAsync());
    }

    private async Task<Guid> OpenIncidentAsync()
    {
        await _harness.Get<HealthCycle>().RunAsync(CycleTrigger.Scheduled);
        await using var db = _harness.OpenDatabase();
        var analysis = await db.Analyses.SingleAsync();
        Assert.Equal(AnalysisState.Queued, analysis.State);
        return analysis.Id;
    }

    private async Task<CycleHarness> StartHarnessAsync(bool enabled)
    {
        var harness = await CreateHarnessAsync(enabled);
        _tool.Cache = harness.Get<LargeOutputCache>();
        return harness;
    }

    private Task<CycleHarness> CreateHarnessAsync(bool enabled) => CycleHarness.StartAsync(
        [new WorkingCollector(), new ThrowingCollector()],
        settings: new Dictionary<string, string?>
        {
            ["Macha:Analysis:Enabled"] = enabled ? "true" : "false",
            ["Macha:Analysis:OllamaUrl"] = _ollama.Uri.ToString(),
            ["Macha:Analysis:Model"] = Model,
            ["Macha:Analysis:RequestTimeout"] = "00:00:10",
        },
        configureServices: services =>
        {
            services.RemoveAll<IAnalysisTool>();
            services.AddSingleton<IAnalysisTool>(_tool);
        });

    /// <summary>A tool that returns its text argument, or a large output through the cache, recording each call.</summary>
    private sealed class EchoTool : IAnalysisTool
    {
        public List<string> Received { get; } = [];

        public LargeOutputCache? Cache { get; set; }

        public string? LargeOutput { get; set; }

        public string Name => "echo";

        public string Description => "Returns its text.";

        public JsonElement ParameterSchema { get; } = JsonDocument.Parse("""{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}""").RootElement;

        public Task<ToolOutput> InvokeAsync(ToolInvocation invocation, CancellationToken cancellationToken = default)
        {
            var text = invocation.Arguments.GetProperty("text").GetString()!;
            Received.Add(text);
            return LargeOutput is null
                ? Task.FromResult(new ToolOutput(true, $"you said: {text}", text.Length))
                : StoreLargeAsync(cancellationToken);
        }

        private async Task<ToolOutput> StoreLargeAsync(CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(LargeOutput!));
            var cached = await Cache!.StoreAsync(stream, "echo logs", cancellationToken);
            return new ToolOutput(true, LargeOutput![..200], LargeOutput.Length, cached.Id);
        }
    }
}
