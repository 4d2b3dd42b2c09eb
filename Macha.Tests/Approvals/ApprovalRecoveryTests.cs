using Macha.Core.Approvals;
using Macha.Core.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Approvals;

/// <summary>What the database initializer does at start with approvals a previous process left behind.</summary>
public sealed class ApprovalRecoveryTests
{
    private readonly FakeTimeProvider _time = new(ApprovalTestData.Start);

    [Fact]
    public async Task Initialize_RunningApproval_MarksItInterruptedByMacha()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var id = await StartRunningAsync(queue);
        _time.Advance(TimeSpan.FromMinutes(3));

        await harness.Get<DatabaseInitializer>().InitializeAsync();

        var approval = await queue.GetAsync(id);
        Assert.Equal(ApprovalState.Interrupted, approval!.State);
        Assert.Equal(ApprovalTestData.Start.AddMinutes(3), approval.FinishedAt);
        Assert.Equal(ApprovalRecovery.InterruptedOutcome, approval.Outcome);
        var transition = (await queue.GetTransitionsAsync(id))[^1];
        Assert.Equal(ApprovalState.Running, transition.From);
        Assert.Equal(ApprovalState.Interrupted, transition.To);
        Assert.Equal(ApprovalActors.Macha, transition.Actor);
        Assert.Equal(ApprovalRecovery.InterruptedOutcome, transition.Comment);
        Assert.Equal(ApprovalTestData.Start.AddMinutes(3), transition.At);
    }

    [Fact]
    public async Task Initialize_SecondProcess_InterruptsRunning()
    {
        var data = new Dictionary<string, string?>();
        Guid id;
        await using (var before = await ApprovalTestData.StartAsync(_time))
        {
            id = await StartRunningAsync(before.Get<ApprovalQueue>());
            data["Macha:DataDirectory"] = before.DataDirectory;

            // The first graph stays undisposed while the second starts, as after a crash the
            // database file is left as the dead process had it.
            await using var after = await ApprovalTestData.StartAsync(_time, data);

            var approval = await after.Get<ApprovalQueue>().GetAsync(id);

            Assert.Equal(ApprovalState.Interrupted, approval!.State);
        }
    }

    [Fact]
    public async Task Initialize_InterruptedApproval_IsNeverStartedAgain()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var id = await StartRunningAsync(queue);
        await harness.Get<DatabaseInitializer>().InitializeAsync();

        var approvedAgain = await queue.ApproveAsync(id, "alice");
        var startedAgain = await queue.TryStartExecutionAsync(id, ApprovalActors.Macha);

        Assert.Equal(ApprovalChangeStatus.Conflict, approvedAgain.Status);
        Assert.False(startedAgain);
        Assert.Equal(ApprovalState.Interrupted, (await queue.GetAsync(id))!.State);
    }

    [Fact]
    public async Task Initialize_ApprovedAndPending_StayAsTheyWere()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var pending = (await queue.EnqueueAsync(ApprovalTestData.Request("pending"))).Approval.Id;
        var approved = (await queue.EnqueueAsync(ApprovalTestData.Request("approved"))).Approval.Id;
        await queue.ApproveAsync(approved, "alice");

        await harness.Get<DatabaseInitializer>().InitializeAsync();

        Assert.Equal(ApprovalState.Pending, (await queue.GetAsync(pending))!.State);
        Assert.Equal(ApprovalState.Approved, (await queue.GetAsync(approved))!.State);
    }

    private static async Task<Guid> StartRunningAsync(ApprovalQueue queue)
    {
        var id = (await queue.EnqueueAsync(ApprovalTestData.Request())).Approval.Id;
        await queue.ApproveAsync(id, "alice");
        await queue.TryStartExecutionAsync(id, ApprovalActors.Macha);
        return id;
    }
}
