using System.Text.Json;
using Macha.Core.Analysis;
using Macha.Core.Cycle;
using Macha.Core.Storage;
using Macha.Tests.Cycle;
using Macha.Tests.Fakes;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace Macha.Tests.Scenarios;

/// <summary>
/// Sends the incidents of every scenario through the analyst with a scripted model: one real tool
/// call, then a valid decision. Checks that each gets a validated decision with its tool call
/// recorded and that no prompt exceeds the context.
/// </summary>
public sealed class ScenarioAnalysisTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Model = "qwen3:8b";
    private const int ContextTokens = 8192;

    private const string Decision = """
        {"summary": "The rule's evidence explains the incident.",
         "diagnosis": "Scripted diagnosis for the scenario suite.",
         "confidence": 0.5,
         "root_cause_hypothesis": "Scripted.",
         "proposed_actions": [{"kind": "run_diagnostic", "diagnostic": "top_processes", "reason": "Look closer.", "expected_effect": "More evidence.", "undo": "Read-only."}]}
        """;

    private FakeOllamaServer _ollama = default!;

    public async Task InitializeAsync() => _ollama = await FakeOllamaServer.StartAsync();

    public async Task DisposeAsync() => await _ollama.DisposeAsync();

    [Fact]
    public async Task Analyze_EveryScenarioIncident_GetsAValidatedDecisionWithinTheContext()
    {
        var analysed = 0;
        var maxPromptTokens = 0;
        var totalPromptTokens = 0L;
        foreach (var scenario in Scenario.Names().Select(Scenario.Load).Where(s => s.Expected.Count > 0))
        {
            await using var harness = await StartAsync(scenario, analysisEnabled: true);
            await harness.Get<HealthCycle>().RunAsync(CycleTrigger.Scheduled);

            List<Guid> queued;
            await using (var db = harness.OpenDatabase())
            {
                queued = await db.Analyses.Where(a => a.State == AnalysisState.Queued).Select(a => a.Id).ToListAsync();
            }

            foreach (var analysisId in queued)
            {
                _ollama.EnqueueChat(FakeOllamaResponses.ChatToolCall(Model, "top_processes", """{"by": "cpu", "count": 5}"""));
                _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "That is enough."));
                _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, Decision));

                var record = await harness.Get<IncidentAnalyst>().AnalyzeAsync(analysisId);

                Assert.True(record.State == AnalysisState.Succeeded, $"{scenario.Name}: {record.Reason}");
                Assert.NotNull(record.DecisionJson);
                var toolCall = Assert.Single(JsonSerializer.Deserialize<List<ToolCallRecord>>(record.ToolCallsJson)!);
                Assert.Equal("top_processes", toolCall.Tool);
                Assert.InRange(record.MaxPromptTokens, 1, ContextTokens);
                maxPromptTokens = Math.Max(maxPromptTokens, record.MaxPromptTokens);
                totalPromptTokens += record.MaxPromptTokens;
                analysed++;
            }
        }

        output.WriteLine($"analyses: {analysed}, largest prompt: {maxPromptTokens} estimated tokens, "
            + $"mean largest prompt: {(analysed == 0 ? 0 : totalPromptTokens / analysed)} estimated tokens, context: {ContextTokens}");
        Assert.True(analysed >= 20, $"only {analysed} incidents were analysed");
    }

    [Fact]
    public async Task Cycles_HealthyHostForADay_MakeNoModelCall()
    {
        var healthy = Scenario.Load("01-healthy-debian-server.txt");
        await using var harness = await StartAsync(healthy, analysisEnabled: true);
        var cycle = harness.Get<HealthCycle>();

        for (var i = 0; i < 288; i++)
        {
            await cycle.RunAsync(CycleTrigger.Scheduled);
        }

        await using var db = harness.OpenDatabase();
        Assert.Equal(0, await db.Analyses.CountAsync());
        Assert.Equal(0, await db.Incidents.CountAsync());
        Assert.Empty(_ollama.RequestBodies(FakeOllamaServer.Chat));
        output.WriteLine("model calls in 288 healthy cycles: 0");
    }

    private Task<CycleHarness> StartAsync(Scenario scenario, bool analysisEnabled)
    {
        var settings = new Dictionary<string, string?>(scenario.Settings)
        {
            ["Macha:Analysis:Enabled"] = analysisEnabled ? "true" : "false",
            ["Macha:Analysis:OllamaUrl"] = _ollama.Uri.ToString(),
            ["Macha:Analysis:Model"] = Model,
            ["Macha:Analysis:ContextTokens"] = ContextTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Macha:Monitoring:CommandTimeout"] = "00:00:00.200",
            ["Macha:Monitoring:NetworkMountTimeout"] = "00:00:00.200",
            ["Macha:Monitoring:CollectorTimeout"] = "00:00:05",
        };
        return CycleHarness.StartAsync(null, [new ScenarioShell(scenario, previousCycle: false)], settings);
    }
}
