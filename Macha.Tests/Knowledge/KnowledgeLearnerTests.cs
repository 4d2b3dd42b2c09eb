using Macha.Core.Actions;
using Macha.Core.Actions.Execution;
using Macha.Core.Analysis;
using Macha.Core.Cycle;
using Macha.Core.Hosts;
using Macha.Core.Knowledge;
using Macha.Core.Storage;
using Macha.Tests.Actions;
using Macha.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Macha.Tests.Knowledge;

[Collection(ChromaTestCollection.Name)]
public sealed class KnowledgeLearnerTests
{
    private readonly ChromaServerFixture _chroma;

    public KnowledgeLearnerTests(ChromaServerFixture chroma)
    {
        _chroma = chroma;
    }

    [Fact]
    public async Task LearnAsync_VerifiedSuccess_StoresSymptomsDiagnosisAndFix()
    {
        await using var bed = await KnowledgeTestBed.StartAsync(_chroma.Server.Uri);
        var (incident, _) = await bed.OpenIncidentAsync();

        var id = await bed.Get<KnowledgeLearner>().LearnAsync(Notice(incident.Id, ExecutionStatus.Succeeded, "The parser choked on a df line."));
        await bed.WaitUntilSearchableAsync(KnowledgeCollection.Incidents, "collector throwing failed parser", id!);

        var hits = await bed.Store.SearchAsync("collector throwing failed parser", [KnowledgeCollection.Incidents], 5, -1, ModelRequestPriority.Interactive);
        var hit = Assert.Single(hits);
        Assert.Equal(id, hit.Id);
        Assert.Equal("succeeded", hit.Metadata[KnowledgeLearner.OutcomeKey]);
        Assert.Equal(incident.Fingerprint, hit.Metadata[KnowledgeLearner.FingerprintKey]);
        Assert.Contains(incident.Summary, hit.Text, StringComparison.Ordinal);
        Assert.Contains("Diagnosis: The parser choked on a df line.", hit.Text, StringComparison.Ordinal);
        Assert.Contains("Action: restart_unit", hit.Text, StringComparison.Ordinal);
        Assert.Equal(KnowledgeSources.Learned, hit.Source);
    }

    [Fact]
    public async Task LearnAsync_FailedVerification_StoresFailureSeparately()
    {
        await using var bed = await KnowledgeTestBed.StartAsync(_chroma.Server.Uri);
        var (incident, _) = await bed.OpenIncidentAsync();
        var learner = bed.Get<KnowledgeLearner>();

        var failed = await learner.LearnAsync(Notice(incident.Id, ExecutionStatus.VerificationFailed, null));
        var failedAgain = await learner.LearnAsync(Notice(incident.Id, ExecutionStatus.VerificationFailed, null));
        var succeeded = await learner.LearnAsync(Notice(incident.Id, ExecutionStatus.Succeeded, null));

        await bed.WaitUntilSearchableAsync(KnowledgeCollection.Incidents, "collector throwing", failed!);
        await bed.WaitUntilSearchableAsync(KnowledgeCollection.Incidents, "collector throwing", succeeded!);

        Assert.Equal(failed, failedAgain);
        Assert.NotEqual(failed, succeeded);
        var hits = await bed.Store.SearchAsync("collector throwing", [KnowledgeCollection.Incidents], 5, -1, ModelRequestPriority.Interactive);
        Assert.Equal(2, hits.Count);
        var failure = Assert.Single(hits, h => h.Id == failed);
        Assert.Equal("failed verification", failure.Metadata[KnowledgeLearner.OutcomeKey]);
        Assert.Contains("none from the model", failure.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LearnAsync_RefusedAction_LearnsNothing()
    {
        await using var bed = await KnowledgeTestBed.StartAsync(_chroma.Server.Uri);
        var (incident, _) = await bed.OpenIncidentAsync();

        var id = await bed.Get<KnowledgeLearner>().LearnAsync(Notice(incident.Id, ExecutionStatus.Refused, null));

        Assert.Null(id);
    }

    [Fact]
    public async Task PlannerRestart_Verified_IsLearned()
    {
        var shell = new ReplayShell("test-host")
            .WithCommand("sudo -n systemctl restart -- nginx.service", "")
            .WithCommand("systemctl is-active -- nginx.service", "active\n");
        await using var bed = await KnowledgeTestBed.StartAsync(
            _chroma.Server.Uri,
            collectors: [new FailedUnitCollector("nginx.service")],
            hosts: [shell],
            settings: new Dictionary<string, string?>
            {
                ["Macha:Actions:AutonomyLevel"] = "AutoSafe",
                ["Macha:Actions:RestartSettleTime"] = "00:00:00",
            });
        var learner = bed.Get<KnowledgeLearner>();
        await learner.StartAsync(CancellationToken.None);

        await bed.Get<HealthCycle>().RunAsync(CycleTrigger.Scheduled);
        await bed.Harness.Provider.GetServices<IHostedService>().OfType<AnalysisWorker>().Single().RunQueuedAsync(CancellationToken.None);
        var hits = await WaitForIncidentRecordAsync(bed);
        await learner.StopAsync(CancellationToken.None);

        Assert.Contains("systemctl is-active -- nginx.service", shell.CommandsRun);
        var hit = Assert.Single(hits);
        Assert.Equal("succeeded", hit.Metadata[KnowledgeLearner.OutcomeKey]);
        Assert.Equal("restart_unit", hit.Metadata[KnowledgeLearner.ActionKindKey]);
        Assert.Contains("nginx.service", hit.Text, StringComparison.Ordinal);
    }

    private static async Task<IReadOnlyList<KnowledgeHit>> WaitForIncidentRecordAsync(KnowledgeTestBed bed)
    {
        // The learner stores outcomes from its own queue, so the record appears shortly after the action.
        for (var attempt = 0; attempt < 300; attempt++)
        {
            var hits = await bed.Store.SearchAsync("nginx.service failed restart", [KnowledgeCollection.Incidents], 5, -1, ModelRequestPriority.Interactive);
            if (hits.Count > 0)
            {
                return hits;
            }

            await Task.Delay(100);
        }

        return [];
    }

    private static ActionOutcomeNotice Notice(Guid incidentId, ExecutionStatus status, string? diagnosis)
    {
        var request = (ExecutableActionRequest)ActionRequestFactory.FromProposal(ActionTestData.Restart("nginx.service"), "test-host", incidentId).Request!;
        var outcome = new ExecutionOutcome(
            status,
            status == ExecutionStatus.Succeeded ? "nginx.service is active." : "nginx.service is still failed.",
            [new ExecutedCommand(["sudo", "-n", "systemctl", "restart", "--", "nginx.service"], CommandStatus.Exited, 0, TimeSpan.FromSeconds(1))],
            string.Empty,
            TimeSpan.FromSeconds(2),
            Verification: "systemctl is-active -- nginx.service");
        return new ActionOutcomeNotice(request, outcome, diagnosis);
    }
}
