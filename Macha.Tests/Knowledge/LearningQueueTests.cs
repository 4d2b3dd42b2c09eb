using Macha.Core.Actions;
using Macha.Core.Actions.Execution;
using Macha.Core.Hosts;
using Macha.Core.Knowledge;
using Macha.Tests.Actions;
using Macha.Tests.Fakes;
using Microsoft.EntityFrameworkCore;

namespace Macha.Tests.Knowledge;

/// <summary>
/// The learning queue in SQLite. Each test has its own real Chroma server, which it stops and starts
/// again by process id, and some stop and start Macha's service graph on the same data directory.
/// </summary>
public sealed class LearningQueueTests : IDisposable
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(90);

    private readonly TestDataDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task DrainAsync_ChromaDownThenUp_StoresRecord()
    {
        await using var chroma = await ChromaServer.StartAsync();
        await using var bed = await KnowledgeTestBed.StartAsync(chroma.Uri);
        var (incident, _) = await bed.OpenIncidentAsync();
        var learner = bed.Get<KnowledgeLearner>();
        await chroma.StopAsync();

        await learner.OnActionCompletedAsync(RestartSucceeded(incident.Id));
        var whileDown = await learner.DrainAsync();
        var queued = await PendingAsync(bed);
        await chroma.RestartAsync();
        var afterRestart = await learner.DrainAsync();

        Assert.Equal(0, whileDown.Stored);
        Assert.Contains("could not be reached", whileDown.Failure, StringComparison.Ordinal);
        var pending = Assert.Single(queued);
        Assert.Equal(1, pending.Attempts);
        Assert.Contains("could not be reached", pending.LastError, StringComparison.Ordinal);
        Assert.Equal(new LearningDrainResult(1, null), afterRestart);
        Assert.Empty(await PendingAsync(bed));
        await bed.WaitUntilSearchableAsync(KnowledgeCollection.Incidents, KnowledgeRetriever.QueryFor(incident), pending.DocumentId);
    }

    [Fact]
    public async Task DrainAsync_AfterRestart_StoresEarlierRecord()
    {
        await using var chroma = await ChromaServer.StartAsync();
        var settings = new Dictionary<string, string?> { ["Macha:DataDirectory"] = _data.Path };
        string database;
        Macha.Core.Incidents.IncidentRecord incident;
        await using (var before = await KnowledgeTestBed.StartAsync(chroma.Uri, settings: settings))
        {
            database = before.Database;
            (incident, _) = await before.OpenIncidentAsync();
            await before.Get<KnowledgeLearner>().OnActionCompletedAsync(RestartSucceeded(incident.Id));
        }

        await using var after = await KnowledgeTestBed.StartAsync(chroma.Uri, database: database, settings: settings);
        var queued = Assert.Single(await PendingAsync(after));
        var result = await after.Get<KnowledgeLearner>().DrainAsync();

        Assert.Equal(new LearningDrainResult(1, null), result);
        Assert.Equal(0, queued.Attempts);
        Assert.Empty(await PendingAsync(after));
        await after.WaitUntilSearchableAsync(KnowledgeCollection.Incidents, KnowledgeRetriever.QueryFor(incident), queued.DocumentId);
    }

    [Fact]
    public async Task ExecuteAsync_ChromaBack_DrainsQueue()
    {
        await using var chroma = await ChromaServer.StartAsync();
        await using var bed = await KnowledgeTestBed.StartAsync(chroma.Uri);
        var (incident, _) = await bed.OpenIncidentAsync();
        var learner = bed.Get<KnowledgeLearner>();
        await chroma.StopAsync();
        await learner.StartAsync(CancellationToken.None);

        await learner.OnActionCompletedAsync(RestartSucceeded(incident.Id));
        var failedAttempt = await WaitForAsync(bed, pending => pending.Count == 1 && pending[0].Attempts >= 1);
        await chroma.RestartAsync();
        var drained = await WaitForAsync(bed, pending => pending.Count == 0);
        await learner.StopAsync(CancellationToken.None);

        Assert.True(failedAttempt, "The loop never tried to store the record while Chroma was down.");
        Assert.True(drained, "The loop did not store the record after Chroma came back.");
        var hits = await bed.Store.SearchAsync(KnowledgeRetriever.QueryFor(incident), [KnowledgeCollection.Incidents], 5, -1, Macha.Core.Analysis.ModelRequestPriority.Interactive);
        Assert.Contains(hits, hit => hit.Metadata[KnowledgeLearner.FingerprintKey] == incident.Fingerprint);
    }

    [Fact]
    public async Task OnActionCompletedAsync_RefusedAction_QueuesNothing()
    {
        await using var chroma = await ChromaServer.StartAsync();
        await using var bed = await KnowledgeTestBed.StartAsync(chroma.Uri);
        var (incident, _) = await bed.OpenIncidentAsync();
        var notice = RestartSucceeded(incident.Id);

        await bed.Get<KnowledgeLearner>().OnActionCompletedAsync(notice with { Outcome = ExecutionOutcome.Refused("nginx.service is protected.") });

        Assert.Empty(await PendingAsync(bed));
    }

    [Fact]
    public async Task OnActionCompletedAsync_QueueFull_DropsNewOutcome()
    {
        // Nothing here sends a request to ChromaDB, so the address only has to be set, on loopback.
        await using var bed = await KnowledgeTestBed.StartAsync(new Uri("http://127.0.0.1:1/"));
        var (incident, _) = await bed.OpenIncidentAsync();
        await using (var db = bed.Harness.OpenDatabase())
        {
            db.PendingLearnings.AddRange(Enumerable.Range(0, KnowledgeLearner.Capacity).Select(i => new PendingLearningRecord
            {
                DocumentId = $"incident-filler-{i}",
                Title = "filler",
                Text = "filler",
                MetadataJson = "{}",
                QueuedAt = DateTimeOffset.UnixEpoch,
            }));
            await db.SaveChangesAsync();
        }

        await bed.Get<KnowledgeLearner>().OnActionCompletedAsync(RestartSucceeded(incident.Id));

        var pending = await PendingAsync(bed);
        Assert.Equal(KnowledgeLearner.Capacity, pending.Count);
        Assert.All(pending, p => Assert.StartsWith("incident-filler-", p.DocumentId, StringComparison.Ordinal));
    }

    private static async Task<List<PendingLearningRecord>> PendingAsync(KnowledgeTestBed bed)
    {
        await using var db = bed.Harness.OpenDatabase();
        return await db.PendingLearnings.AsNoTracking().OrderBy(p => p.Id).ToListAsync();
    }

    private static async Task<bool> WaitForAsync(KnowledgeTestBed bed, Func<List<PendingLearningRecord>, bool> condition)
    {
        using var timeout = new CancellationTokenSource(WaitLimit);
        while (!timeout.IsCancellationRequested)
        {
            if (condition(await PendingAsync(bed)))
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }

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
