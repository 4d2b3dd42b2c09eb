using Macha.Core.Approvals;
using Macha.Core.Storage;
using Macha.Core.Storage.Audit;
using Macha.Tests.Cycle;
using Macha.Tests.Fakes;
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
    public async Task Initialize_RunningApproval_WritesInterruptedLine()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var id = await StartRunningAsync(harness.Get<ApprovalQueue>());

        await harness.Get<DatabaseInitializer>().InitializeAsync();

        var path = Path.Combine(harness.DataDirectory, AuditLog.ActionsFileName);
        var line = Assert.Single(await AuditReader.ReadAsync(path, new AuditQuery { Type = AuditEventTypes.ActionInterrupted }));
        Assert.Equal(ApprovalActors.Macha, line.Actor);
        Assert.Equal("test-host", line.Host);
        Assert.Equal(id, line.Data.GetProperty("approval_id").GetGuid());
        Assert.Equal("Interrupted", line.Data.GetProperty("state").GetString());
        Assert.Equal(ApprovalRecovery.InterruptedOutcome, line.Data.GetProperty("reason").GetString());
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
    public async Task Initialize_Pending_StaysPending()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var pending = (await queue.EnqueueAsync(ApprovalTestData.Request("pending"))).Approval.Id;

        await harness.Get<DatabaseInitializer>().InitializeAsync();

        Assert.Equal(ApprovalState.Pending, (await queue.GetAsync(pending))!.State);
    }

    [Fact]
    public async Task Initialize_ApprovedNeverStarted_MarksItFailedByMacha()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var id = (await queue.EnqueueAsync(ApprovalTestData.Request())).Approval.Id;
        await queue.ApproveAsync(id, "alice");
        _time.Advance(TimeSpan.FromMinutes(2));

        await harness.Get<DatabaseInitializer>().InitializeAsync();

        var approval = await queue.GetAsync(id);
        Assert.Equal(ApprovalState.Failed, approval!.State);
        Assert.Equal(ApprovalRecovery.NeverStartedOutcome, approval.Outcome);
        Assert.Equal(ApprovalTestData.Start.AddMinutes(2), approval.FinishedAt);
        Assert.Null(approval.StartedAt);
        var transition = (await queue.GetTransitionsAsync(id))[^1];
        Assert.Equal(ApprovalState.Approved, transition.From);
        Assert.Equal(ApprovalState.Failed, transition.To);
        Assert.Equal(ApprovalActors.Macha, transition.Actor);
    }

    [Fact]
    public async Task Initialize_ApprovedNeverStarted_WritesFailedLine()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var id = (await queue.EnqueueAsync(ApprovalTestData.Request())).Approval.Id;
        await queue.ApproveAsync(id, "alice");

        await harness.Get<DatabaseInitializer>().InitializeAsync();

        var path = Path.Combine(harness.DataDirectory, AuditLog.ActionsFileName);
        var line = Assert.Single(await AuditReader.ReadAsync(path, new AuditQuery { Type = AuditEventTypes.ActionFailed }));
        Assert.Equal(ApprovalActors.Macha, line.Actor);
        Assert.Equal(id, line.Data.GetProperty("approval_id").GetGuid());
        Assert.Equal(ApprovalRecovery.NeverStartedOutcome, line.Data.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Restart_ApprovedNeverStarted_NeverRuns()
    {
        // The first process approves and stops before the runner starts the action. The second opens
        // the same database file, as Macha does after a crash.
        var shell = new ReplayShell("test-host").WithCommand("sudo -n systemctl restart -- nginx.service", "");
        var settings = new Dictionary<string, string?>();
        Guid id;
        await using (var before = await CycleHarness.StartAsync([new WorkingCollector()], [shell], configureServices: UseTime))
        {
            var queue = before.Get<ApprovalQueue>();
            id = (await queue.EnqueueAsync(ApprovalTestData.Request() with
            {
                HostName = "test-host",
                Argv = ["sudo", "-n", "systemctl", "restart", "--", "nginx.service"],
                ProposalJson = System.Text.Json.JsonSerializer.Serialize(Actions.ActionTestData.Restart("nginx.service")),
            })).Approval.Id;
            await queue.ApproveAsync(id, "alice");
            settings["Macha:DataDirectory"] = before.DataDirectory;

            await using var after = await CycleHarness.StartAsync([new WorkingCollector()], [shell], settings, UseTime);
            var afterQueue = after.Get<ApprovalQueue>();
            var run = await after.Get<ApprovalRunner>().ApproveAndRunAsync(id, "bob", null);
            var started = await afterQueue.TryStartExecutionAsync(id, ApprovalActors.Macha);

            Assert.Equal(ApprovalState.Failed, (await afterQueue.GetAsync(id))!.State);
            Assert.Equal(ApprovalRunStatus.Conflict, run.Status);
            Assert.False(started);
            Assert.Empty(shell.CommandsRun);
        }
    }

    private void UseTime(Microsoft.Extensions.DependencyInjection.IServiceCollection services) =>
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<TimeProvider>(services, _time);

    private static async Task<Guid> StartRunningAsync(ApprovalQueue queue)
    {
        var id = (await queue.EnqueueAsync(ApprovalTestData.Request())).Approval.Id;
        await queue.ApproveAsync(id, "alice");
        await queue.TryStartExecutionAsync(id, ApprovalActors.Macha);
        return id;
    }
}
