using System.Text.Json;
using Macha.Core.Cycle;
using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Storage;
using Macha.Tests.Fakes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Macha.Tests.Cycle;

public sealed class HealthCycleTests
{
    [Fact]
    public async Task RunAsync_FailingAndHangingCollectors_CompletesWithTheirStatuses()
    {
        await using var harness = await CycleHarness.StartAsync([new WorkingCollector(), new ThrowingCollector(), new HangingCollector()]);
        var cycle = harness.Get<HealthCycle>();

        var run = await cycle.RunAsync(CycleTrigger.Scheduled);

        Assert.Equal(CycleState.Completed, run.State);
        var statuses = JsonSerializer.Deserialize<Dictionary<string, List<CollectorStatus>>>(run.CollectorStatusesJson, SnapshotJson.Options)!;
        var hostStatuses = statuses["test-host"];
        Assert.Equal(CollectorState.Ok, hostStatuses.Single(s => s.Name == "memory").State);
        Assert.Equal(CollectorState.Failed, hostStatuses.Single(s => s.Name == "throwing").State);
        Assert.Contains("parser bug", hostStatuses.Single(s => s.Name == "throwing").Detail, StringComparison.Ordinal);
        Assert.Equal(CollectorState.TimedOut, hostStatuses.Single(s => s.Name == "hanging").State);
    }

    [Fact]
    public async Task RunAsync_HangingCollector_IsAbandonedAtItsTimeout()
    {
        await using var harness = await CycleHarness.StartAsync([new HangingCollector()]);
        var cycle = harness.Get<HealthCycle>();

        var run = await cycle.RunAsync(CycleTrigger.Scheduled);

        // The harness sets a collector timeout of one second, so the run ends soon after it.
        Assert.Equal(CycleState.Completed, run.State);
        Assert.InRange(run.DurationMs!.Value, 900, 10_000);
    }

    [Fact]
    public async Task RunAsync_Completed_StoresSnapshotFindingsAndFile()
    {
        await using var harness = await CycleHarness.StartAsync([new WorkingCollector(), new ThrowingCollector()]);
        var cycle = harness.Get<HealthCycle>();

        var run = await cycle.RunAsync(CycleTrigger.Manual);

        await using var db = harness.OpenDatabase();
        var snapshot = await db.Snapshots.SingleAsync();
        Assert.Equal(run.Id, snapshot.CycleRunId);
        Assert.Equal("test-host", snapshot.HostName);
        var stored = SnapshotJson.Deserialize(snapshot.Json)!;
        Assert.Equal(8L << 30, stored.Memory!.TotalBytes);

        var finding = await db.Findings.SingleAsync();
        Assert.Equal("CollectorFailed", finding.Kind);
        Assert.Equal("throwing", finding.Subject);
        Assert.Equal(1, run.FindingCount);

        var files = Directory.GetFiles(Path.Combine(harness.DataDirectory, "snapshots", "test-host"), "snapshot_*.json");
        Assert.Single(files);
        Assert.Equal(8L << 30, SnapshotJson.Deserialize(await File.ReadAllTextAsync(files[0]))!.Memory!.TotalBytes);
    }

    [Fact]
    public async Task RunAsync_CalledTwiceAtOnce_RunsOneAfterTheOther()
    {
        var probe = new ConcurrencyProbeCollector();
        await using var harness = await CycleHarness.StartAsync([probe]);
        var cycle = harness.Get<HealthCycle>();

        var runs = await Task.WhenAll(cycle.RunAsync(CycleTrigger.Scheduled), cycle.RunAsync(CycleTrigger.Manual));

        Assert.Equal(1, probe.MaxInside);
        Assert.All(runs, run => Assert.Equal(CycleState.Completed, run.State));
        Assert.NotEqual(runs[0].Id, runs[1].Id);
    }

    [Fact]
    public async Task RunAsync_QueuedRunId_CompletesThatRun()
    {
        await using var harness = await CycleHarness.StartAsync([new WorkingCollector()]);
        var cycle = harness.Get<HealthCycle>();
        var queuedId = await cycle.QueueAsync(CycleTrigger.Manual);

        var run = await cycle.RunAsync(CycleTrigger.Manual, queuedId);

        Assert.Equal(queuedId, run.Id);
        await using var db = harness.OpenDatabase();
        var stored = await db.CycleRuns.SingleAsync();
        Assert.Equal(CycleState.Completed, stored.State);
        Assert.NotNull(stored.StartedAt);
        Assert.NotNull(stored.FinishedAt);
    }

    [Fact]
    public async Task RunAsync_HostListFails_FailsRun()
    {
        await using var harness = await CycleHarness.StartAsync(
            [new WorkingCollector()],
            configureServices: services =>
            {
                services.RemoveAll<IHostInventory>();
                services.AddSingleton<IHostInventory>(new BrokenInventory());
            });
        var cycle = harness.Get<HealthCycle>();
        var queuedId = await cycle.QueueAsync(CycleTrigger.Manual);

        var run = await cycle.RunAsync(CycleTrigger.Manual, queuedId);

        Assert.Equal(queuedId, run.Id);
        await using var db = harness.OpenDatabase();
        var stored = await db.CycleRuns.SingleAsync();
        Assert.Equal(CycleState.Failed, stored.State);
        Assert.NotNull(stored.FinishedAt);
        Assert.Contains("UNIQUE constraint failed: Hosts.Name", stored.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_SecondCycle_GetsPreviousSnapshot()
    {
        var recorder = new PreviousRecordingCollector();
        await using var harness = await CycleHarness.StartAsync([recorder]);
        var cycle = harness.Get<HealthCycle>();

        await cycle.RunAsync(CycleTrigger.Scheduled);
        await cycle.RunAsync(CycleTrigger.Scheduled);

        Assert.Equal(2, recorder.Previous.Count);
        Assert.Null(recorder.Previous[0]);
        Assert.NotNull(recorder.Previous[1]);
    }

    [Fact]
    public async Task RunAsync_Always_PublishesProgressInOrder()
    {
        await using var harness = await CycleHarness.StartAsync([new WorkingCollector(), new ThrowingCollector()]);
        var cycle = harness.Get<HealthCycle>();
        var events = harness.Get<CycleEvents>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var received = new List<CycleEvent>();
        var subscription = Task.Run(async () =>
        {
            await foreach (var cycleEvent in events.SubscribeAsync(stop.Token))
            {
                received.Add(cycleEvent);
                if (cycleEvent is CycleFinished)
                {
                    return;
                }
            }
        });
        while (events.SubscriberCount == 0)
        {
            await Task.Delay(10, stop.Token);
        }

        await cycle.RunAsync(CycleTrigger.Manual);
        await subscription;

        var started = Assert.IsType<CycleStarted>(received[0]);
        Assert.Equal(["memory", "throwing"], started.CollectorNames);
        Assert.Equal(2, received.OfType<CollectorFinished>().Count());
        Assert.Single(received.OfType<HostFinished>());
        Assert.IsType<CycleFinished>(received[^1]);
    }

    [Fact]
    public async Task RunAsync_DisabledCollector_IsSkipped()
    {
        var settings = new Dictionary<string, string?> { ["Macha:Monitoring:DisabledCollectors:0"] = "throwing" };
        await using var harness = await CycleHarness.StartAsync([new WorkingCollector(), new ThrowingCollector()], settings: settings);
        var cycle = harness.Get<HealthCycle>();

        var run = await cycle.RunAsync(CycleTrigger.Scheduled);

        Assert.DoesNotContain("throwing", run.CollectorStatusesJson, StringComparison.Ordinal);
        Assert.Equal(0, run.FindingCount);
    }

    [Fact]
    public async Task RunAsync_CollectorKeepsFailing_OpensOneIncidentThenStaysQuiet()
    {
        await using var harness = await CycleHarness.StartAsync([new WorkingCollector(), new ThrowingCollector()]);
        var cycle = harness.Get<HealthCycle>();
        var events = harness.Get<CycleEvents>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var hostEvents = new List<HostFinished>();
        var subscription = Task.Run(async () =>
        {
            await foreach (var cycleEvent in events.SubscribeAsync(stop.Token))
            {
                if (cycleEvent is HostFinished finished)
                {
                    hostEvents.Add(finished);
                }

                if (hostEvents.Count == 2)
                {
                    return;
                }
            }
        });
        while (events.SubscriberCount == 0)
        {
            await Task.Delay(10, stop.Token);
        }

        await cycle.RunAsync(CycleTrigger.Scheduled);
        await cycle.RunAsync(CycleTrigger.Scheduled);
        await subscription;

        Assert.Equal(Macha.Core.Incidents.IncidentChangeKind.Opened, Assert.Single(hostEvents[0].IncidentChanges).Kind);
        Assert.Empty(hostEvents[1].IncidentChanges);
        await using var db = harness.OpenDatabase();
        var incident = await db.Incidents.SingleAsync();
        Assert.Equal("CollectorFailed", incident.Kind);
        Assert.Equal(2, incident.CyclesSeen);
    }

    [Fact]
    public async Task InitializeAsync_RunLeftRunning_MarksItInterrupted()
    {
        await using var harness = await CycleHarness.StartAsync([new WorkingCollector()]);
        var queuedId = await harness.Get<HealthCycle>().QueueAsync(CycleTrigger.Manual);

        await harness.Get<DatabaseInitializer>().InitializeAsync();

        await using var db = harness.OpenDatabase();
        var run = await db.CycleRuns.SingleAsync(r => r.Id == queuedId);
        Assert.Equal(CycleState.Interrupted, run.State);
        Assert.NotNull(run.Error);
    }

    private sealed class PreviousRecordingCollector : ICollector
    {
        public string Name => "recorder";

        public List<HostSnapshot?> Previous { get; } = [];

        public Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
        {
            Previous.Add(context.Previous);
            return Task.FromResult(CollectorOutcome.Ok());
        }
    }

    private sealed class BrokenInventory : IHostInventory
    {
        public IReadOnlyList<IHostShell> GetHosts() => throw new InvalidOperationException("UNIQUE constraint failed: Hosts.Name");
    }
}
