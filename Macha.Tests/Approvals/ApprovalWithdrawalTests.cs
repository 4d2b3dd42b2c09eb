using Macha.Core.Analysis;
using Macha.Core.Approvals;
using Macha.Core.Cycle;
using Macha.Core.Monitoring;
using Macha.Core.Storage;
using Macha.Tests.Cycle;
using Macha.Tests.Fakes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Macha.Tests.Approvals;

/// <summary>A failed unit queues a restart for approval, then recovers by itself before anyone decides.</summary>
public sealed class ApprovalWithdrawalTests
{
    [Fact]
    public async Task IncidentResolves_PendingApprovalIsWithdrawnWithReason()
    {
        var collector = new SwitchableUnitCollector();
        await using var harness = await StartAsync(collector);
        await RunCycleAndPlanAsync(harness);
        var id = await SinglePendingIdAsync(harness);

        collector.Failed = false;
        await RunCycleAndPlanAsync(harness);
        await RunCycleAndPlanAsync(harness);

        var approval = await harness.Get<ApprovalQueue>().GetAsync(id);
        Assert.Equal(ApprovalState.Withdrawn, approval!.State);
        Assert.Equal(ApprovalActors.Macha, approval.DecidedBy);
        Assert.StartsWith("The incident resolved by itself", approval.Outcome, StringComparison.Ordinal);
        var transition = (await harness.Get<ApprovalQueue>().GetTransitionsAsync(id))[^1];
        Assert.Equal(ApprovalState.Withdrawn, transition.To);
        Assert.Equal(approval.Outcome, transition.Comment);
        var actions = await File.ReadAllTextAsync(Path.Combine(harness.DataDirectory, "actions.jsonl"));
        Assert.Contains("\"type\":\"approval.withdrawn\"", actions, StringComparison.Ordinal);
        Assert.Contains(id.ToString(), actions, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IncidentStillOpen_PendingApprovalStays()
    {
        var collector = new SwitchableUnitCollector();
        await using var harness = await StartAsync(collector);
        await RunCycleAndPlanAsync(harness);
        var id = await SinglePendingIdAsync(harness);

        collector.Failed = false;
        await RunCycleAndPlanAsync(harness);

        Assert.Equal(ApprovalState.Pending, (await harness.Get<ApprovalQueue>().GetAsync(id))!.State);
    }

    [Fact]
    public async Task IncidentResolves_ApprovedApprovalIsNotWithdrawn()
    {
        var collector = new SwitchableUnitCollector();
        await using var harness = await StartAsync(collector);
        await RunCycleAndPlanAsync(harness);
        var id = await SinglePendingIdAsync(harness);
        await harness.Get<ApprovalQueue>().ApproveAsync(id, "alice");

        collector.Failed = false;
        await RunCycleAndPlanAsync(harness);
        await RunCycleAndPlanAsync(harness);

        Assert.Equal(ApprovalState.Approved, (await harness.Get<ApprovalQueue>().GetAsync(id))!.State);
    }

    private static async Task<Guid> SinglePendingIdAsync(CycleHarness harness)
    {
        await using var db = harness.OpenDatabase();
        var approval = await db.Approvals.SingleAsync();
        Assert.Equal(ApprovalState.Pending, approval.State);
        return approval.Id;
    }

    private static async Task RunCycleAndPlanAsync(CycleHarness harness)
    {
        await harness.Get<HealthCycle>().RunAsync(CycleTrigger.Scheduled);
        var worker = harness.Provider.GetServices<IHostedService>().OfType<AnalysisWorker>().Single();
        await worker.RunQueuedAsync(CancellationToken.None);
    }

    private static Task<CycleHarness> StartAsync(SwitchableUnitCollector collector) =>
        CycleHarness.StartAsync(
            [collector],
            [new ReplayShell("test-host")],
            new Dictionary<string, string?> { ["Macha:Actions:AutonomyLevel"] = "Suggest" });

    /// <summary>Reports nginx.service as failed, or no failed unit, as the systemd collector would.</summary>
    private sealed class SwitchableUnitCollector : ICollector
    {
        public bool Failed { get; set; } = true;

        public string Name => "systemd";

        public Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
        {
            context.Snapshot.Systemd = Failed
                ? new SystemdSection([new UnitState("nginx.service", "loaded", "failed", "failed", null)], "degraded")
                : new SystemdSection([], "running");
            return Task.FromResult(CollectorOutcome.Ok());
        }
    }
}
