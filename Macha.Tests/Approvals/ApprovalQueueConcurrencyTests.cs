using Macha.Core.Approvals;
using Microsoft.EntityFrameworkCore;

namespace Macha.Tests.Approvals;

/// <summary>Many callers racing for one approval, on a real SQLite database.</summary>
public sealed class ApprovalQueueConcurrencyTests
{
    private const int Callers = 100;

    [Fact]
    public async Task ApproveAndStart_HundredCallers_OneWins()
    {
        await using var harness = await ApprovalTestData.StartAsync();
        var queue = harness.Get<ApprovalQueue>();
        var id = (await queue.EnqueueAsync(ApprovalTestData.Request())).Approval.Id;

        var outcomes = await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            var approval = await queue.ApproveAsync(id, $"user-{caller}");
            var started = await queue.TryStartExecutionAsync(id, $"user-{caller}");
            return (Approved: approval.Changed, Started: started);
        })));

        Assert.Equal(1, outcomes.Count(o => o.Approved));
        Assert.Equal(1, outcomes.Count(o => o.Started));
        var transitions = await queue.GetTransitionsAsync(id);
        Assert.Equal(1, transitions.Count(t => t.To == ApprovalState.Approved));
        Assert.Equal(1, transitions.Count(t => t.To == ApprovalState.Running));
        Assert.Equal(ApprovalState.Running, (await queue.GetAsync(id))!.State);
    }

    [Fact]
    public async Task Approve_HundredCallers_OthersGetConflict()
    {
        await using var harness = await ApprovalTestData.StartAsync();
        var queue = harness.Get<ApprovalQueue>();
        var id = (await queue.EnqueueAsync(ApprovalTestData.Request())).Approval.Id;

        var results = await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(() => queue.ApproveAsync(id, $"user-{caller}"))));

        Assert.Equal(Callers - 1, results.Count(r => r.Status == ApprovalChangeStatus.Conflict));
    }

    [Fact]
    public async Task TryStartExecution_TwoProcesses_OneWins()
    {
        // Two service graphs have separate connection pools, as two Macha processes on one database would.
        await using var first = await ApprovalTestData.StartAsync();
        await using var second = await ApprovalTestData.StartAsync(settings: new Dictionary<string, string?> { ["Macha:DataDirectory"] = first.DataDirectory });
        var queues = new[] { first.Get<ApprovalQueue>(), second.Get<ApprovalQueue>() };
        var id = (await queues[0].EnqueueAsync(ApprovalTestData.Request())).Approval.Id;

        var outcomes = await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            var queue = queues[caller % 2];
            await queue.ApproveAsync(id, $"user-{caller}");
            return await queue.TryStartExecutionAsync(id, $"user-{caller}");
        })));

        Assert.Equal(1, outcomes.Count(started => started));
        await using var db = first.OpenDatabase();
        Assert.Equal(1, await db.ApprovalTransitions.CountAsync(t => t.ApprovalId == id && t.To == ApprovalState.Running));
    }
}
