using System.Text.Json;
using Macha.Core.Analysis;
using Macha.Core.Analysis.Tools;
using Macha.Core.Cycle;
using Macha.Core.Storage;
using Macha.Core.Storage.Audit;
using Macha.Tests.Cycle;
using Macha.Tests.Fakes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Macha.Tests.Analysis;

/// <summary>The decision lines that analyses leave in decisions.jsonl.</summary>
public sealed class AnalysisAuditTests : IAsyncLifetime
{
    private const string Model = "qwen3:8b";

    private FakeOllamaServer _ollama = default!;
    private CycleHarness _harness = default!;

    public async Task InitializeAsync()
    {
        _ollama = await FakeOllamaServer.StartAsync();
        _harness = await CycleHarness.StartAsync(
            [new WorkingCollector(), new ThrowingCollector()],
            settings: new Dictionary<string, string?>
            {
                ["Macha:Analysis:Enabled"] = "true",
                ["Macha:Analysis:OllamaUrl"] = _ollama.Uri.ToString(),
                ["Macha:Analysis:Model"] = Model,
                ["Macha:Analysis:RequestTimeout"] = "00:00:10",
            },
            configureServices: services => services.RemoveAll<IAnalysisTool>());
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _ollama.DisposeAsync();
    }

    [Fact]
    public async Task AnalyzeAsync_ValidAnswer_AppendsSucceededDecision()
    {
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, """
            {"summary": "The disks collector keeps failing.", "diagnosis": "Its parser threw.", "confidence": 0.6,
             "root_cause_hypothesis": "Unexpected df output.",
             "proposed_actions": [{"kind": "run_diagnostic", "diagnostic": "disk_usage", "reason": "See df.", "expected_effect": "The output.", "undo": "Read-only."}]}
            """));
        var analysisId = await QueueAnalysisAsync();

        await _harness.Get<IncidentAnalyst>().AnalyzeAsync(analysisId);

        var line = await ReadSingleDecisionAsync();
        Assert.Equal(AuditEventTypes.Decision, line.GetProperty("type").GetString());
        Assert.Equal("test-host", line.GetProperty("host").GetString());
        var data = line.GetProperty("data");
        Assert.Equal(analysisId, data.GetProperty("analysis_id").GetGuid());
        Assert.Equal("succeeded", data.GetProperty("state").GetString());
        Assert.Equal(Model, data.GetProperty("model").GetString());
        Assert.Equal("The disks collector keeps failing.", data.GetProperty("summary").GetString());
        Assert.Equal("run_diagnostic", data.GetProperty("proposed_action_kinds")[0].GetString());
        Assert.Equal(0, data.GetProperty("tool_calls").GetInt32());
    }

    [Fact]
    public async Task AnalyzeAsync_InvalidAnswers_AppendsFailedDecision()
    {
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, """{"summary": "x"}"""));
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, """{"summary": "x"}"""));
        var analysisId = await QueueAnalysisAsync();

        await _harness.Get<IncidentAnalyst>().AnalyzeAsync(analysisId);

        var data = (await ReadSingleDecisionAsync()).GetProperty("data");
        Assert.Equal("failed", data.GetProperty("state").GetString());
        Assert.Contains("invalid", data.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunQueuedAsync_AnalysisDisabled_AppendsSkippedDecision()
    {
        await QueueAnalysisAsync();
        var disabled = new AnalysisOptions { Enabled = false, Model = Model };
        var worker = new AnalysisWorker(
            _harness.Get<DatabaseInitializer>(),
            _harness.Get<IncidentAnalyst>(),
            _harness.Get<Macha.Core.Actions.ActionPlanner>(),
            _harness.Get<AnalysisSignal>(),
            _harness.Get<IDbContextFactory<MachaDbContext>>(),
            _harness.Get<IAuditLog>(),
            new FixedOptionsMonitor<AnalysisOptions>(disabled),
            TimeProvider.System,
            NullLogger<AnalysisWorker>.Instance);

        await worker.RunQueuedAsync(CancellationToken.None);

        var data = (await ReadSingleDecisionAsync()).GetProperty("data");
        Assert.Equal("skipped", data.GetProperty("state").GetString());
        Assert.Equal("Analysis was disabled before this request ran.", data.GetProperty("reason").GetString());
    }

    private async Task<Guid> QueueAnalysisAsync()
    {
        await _harness.Get<HealthCycle>().RunAsync(CycleTrigger.Scheduled);
        await using var db = _harness.OpenDatabase();
        return (await db.Analyses.SingleAsync()).Id;
    }

    private async Task<JsonElement> ReadSingleDecisionAsync()
    {
        var path = _harness.Get<IAuditLog>().GetPath(AuditFile.Decisions);
        var verification = await AuditVerifier.VerifyAsync(path);
        Assert.True(verification.IsIntact, verification.FirstBreak?.Message);
        var line = Assert.Single(await File.ReadAllLinesAsync(path));
        return JsonDocument.Parse(line).RootElement;
    }

    private sealed class FixedOptionsMonitor<TOptions>(TOptions value) : IOptionsMonitor<TOptions>
    {
        public TOptions CurrentValue => value;

        public TOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<TOptions, string?> listener) => null;
    }
}
