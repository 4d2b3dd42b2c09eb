using Macha.Core.Approvals;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Approvals;

public sealed class ApprovalQueueTests
{
    private readonly FakeTimeProvider _time = new(ApprovalTestData.Start);

    [Fact]
    public async Task Enqueue_NewRequest_StoresPendingApproval()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();

        var result = await queue.EnqueueAsync(ApprovalTestData.Request());

        Assert.False(result.IsDuplicate);
        var stored = await queue.GetAsync(result.Approval.Id);
        Assert.Equal(ApprovalState.Pending, stored!.State);
        Assert.Equal("test-host", stored.HostName);
        Assert.Equal("restart-unit", stored.ActionKind);
        Assert.Equal("Low", stored.Risk);
        Assert.Equal("nginx.service is active again.", stored.ExpectedEffect);
        Assert.Equal(Guid.Parse("5b1d3c3e-8f0a-4d7e-9a51-0f3e2b6c9d10"), stored.IncidentId);
        Assert.Equal(ApprovalTestData.Start, stored.CreatedAt);
    }

    [Fact]
    public async Task Enqueue_NewRequest_RecordsCreationByMacha()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();

        var result = await queue.EnqueueAsync(ApprovalTestData.Request());

        var transition = Assert.Single(await queue.GetTransitionsAsync(result.Approval.Id));
        Assert.Null(transition.From);
        Assert.Equal(ApprovalState.Pending, transition.To);
        Assert.Equal(ApprovalActors.Macha, transition.Actor);
        Assert.Equal(ApprovalTestData.Start, transition.At);
    }

    [Fact]
    public async Task Enqueue_ArgvWithShellCharacters_StoresItVerbatim()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        string[] argv = ["systemctl", "restart", "a b;rm -rf /", "$(reboot)", "\"quoted\"", "ünïcode"];

        var result = await queue.EnqueueAsync(ApprovalTestData.Request() with { Argv = argv });

        var stored = await queue.GetAsync(result.Approval.Id);
        Assert.Equal(argv, stored!.ReadArgv());
    }

    [Fact]
    public async Task Enqueue_SameDedupKeyWhilePending_ReturnsExisting()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var first = await queue.EnqueueAsync(ApprovalTestData.Request());

        var second = await queue.EnqueueAsync(ApprovalTestData.Request() with { Reason = "Seen again." });

        Assert.True(second.IsDuplicate);
        Assert.Equal(first.Approval.Id, second.Approval.Id);
        Assert.Equal(1, (await queue.ListAsync()).TotalCount);
    }

    [Fact]
    public async Task Enqueue_DedupKeyAfterRejection_QueuesNew()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var first = await queue.EnqueueAsync(ApprovalTestData.Request());
        await queue.RejectAsync(first.Approval.Id, "alice");

        var second = await queue.EnqueueAsync(ApprovalTestData.Request());

        Assert.False(second.IsDuplicate);
        Assert.NotEqual(first.Approval.Id, second.Approval.Id);
    }

    [Fact]
    public async Task Enqueue_SameDedupKeyConcurrently_StoresOneApproval()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => queue.EnqueueAsync(ApprovalTestData.Request()))));

        Assert.Single(results, r => !r.IsDuplicate);
        Assert.Single(results.Select(r => r.Approval.Id).Distinct());
        await using var db = harness.OpenDatabase();
        Assert.Equal(1, await db.Approvals.CountAsync());
    }

    [Fact]
    public async Task Enqueue_EmptyArgv_Throws()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();

        var enqueue = () => queue.EnqueueAsync(ApprovalTestData.Request() with { Argv = [] });

        await Assert.ThrowsAsync<ArgumentException>(enqueue);
    }

    [Fact]
    public async Task Enqueue_EmptyDedupKey_Throws()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();

        var enqueue = () => queue.EnqueueAsync(ApprovalTestData.Request(dedupKey: " "));

        await Assert.ThrowsAsync<ArgumentException>(enqueue);
    }

    [Fact]
    public async Task Approve_Pending_RecordsActorCommentAndTime()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());
        _time.Advance(TimeSpan.FromMinutes(7));

        var result = await queue.ApproveAsync(queued.Approval.Id, ApprovalActors.ApiToken("ci-7"), "Go ahead.");

        Assert.Equal(ApprovalChangeStatus.Changed, result.Status);
        Assert.Equal("token:ci-7", result.Approval!.DecidedBy);
        Assert.Equal(ApprovalTestData.Start.AddMinutes(7), result.Approval.DecidedAt);
        var transition = (await queue.GetTransitionsAsync(queued.Approval.Id))[^1];
        Assert.Equal("token:ci-7", transition.Actor);
        Assert.Equal("Go ahead.", transition.Comment);
        Assert.Equal(ApprovalTestData.Start.AddMinutes(7), transition.At);
    }

    [Fact]
    public async Task Approve_AlreadyApproved_ReturnsConflictWithCurrentState()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());
        await queue.ApproveAsync(queued.Approval.Id, "alice");

        var second = await queue.ApproveAsync(queued.Approval.Id, "bob");

        Assert.Equal(ApprovalChangeStatus.Conflict, second.Status);
        Assert.Equal(ApprovalState.Approved, second.Approval!.State);
        Assert.Equal("alice", second.Approval.DecidedBy);
    }

    [Fact]
    public async Task Approve_UnknownId_ReturnsNotFound()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();

        var result = await queue.ApproveAsync(Guid.NewGuid(), "alice");

        Assert.Equal(ApprovalChangeStatus.NotFound, result.Status);
        Assert.Null(result.Approval);
    }

    [Fact]
    public async Task Approve_PastTimeToLive_ReturnsConflict()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());
        _time.Advance(TimeSpan.FromHours(24));

        var result = await queue.ApproveAsync(queued.Approval.Id, "alice");

        Assert.Equal(ApprovalChangeStatus.Conflict, result.Status);
        Assert.Equal(ApprovalState.Expired, result.Approval!.State);
        Assert.Equal(ApprovalActors.Macha, (await queue.GetTransitionsAsync(queued.Approval.Id))[^1].Actor);
    }

    [Fact]
    public async Task Approve_EmptyActor_Throws()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());

        var approve = () => queue.ApproveAsync(queued.Approval.Id, "");

        await Assert.ThrowsAsync<ArgumentException>(approve);
    }

    [Fact]
    public async Task Reject_Pending_RecordsActorAndComment()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());

        var result = await queue.RejectAsync(queued.Approval.Id, "alice", "Restarting will not fix the configuration.");

        Assert.Equal(ApprovalState.Rejected, result.Approval!.State);
        Assert.Equal("alice", result.Approval.DecidedBy);
        Assert.Equal("Restarting will not fix the configuration.", (await queue.GetTransitionsAsync(queued.Approval.Id))[^1].Comment);
    }

    [Fact]
    public async Task ExpireDue_PendingPastTimeToLive_Expires()
    {
        var settings = new Dictionary<string, string?> { ["Macha:Approvals:TimeToLive"] = "01:00:00" };
        await using var harness = await ApprovalTestData.StartAsync(_time, settings);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());
        _time.Advance(TimeSpan.FromHours(1));

        var expired = await queue.ExpireDueAsync();

        Assert.Equal(1, expired);
        var approval = await queue.GetAsync(queued.Approval.Id);
        Assert.Equal(ApprovalState.Expired, approval!.State);
        Assert.Equal(ApprovalTestData.Start.AddHours(1), approval.DecidedAt);
        var transition = (await queue.GetTransitionsAsync(queued.Approval.Id))[^1];
        Assert.Equal(ApprovalActors.Macha, transition.Actor);
        Assert.Equal(ApprovalTestData.Start.AddHours(1), transition.At);
    }

    [Fact]
    public async Task ExpireDue_PendingWithinTimeToLive_StaysPending()
    {
        var settings = new Dictionary<string, string?> { ["Macha:Approvals:TimeToLive"] = "01:00:00" };
        await using var harness = await ApprovalTestData.StartAsync(_time, settings);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());
        _time.Advance(TimeSpan.FromMinutes(59));

        var expired = await queue.ExpireDueAsync();

        Assert.Equal(0, expired);
        Assert.Equal(ApprovalState.Pending, (await queue.GetAsync(queued.Approval.Id))!.State);
    }

    [Fact]
    public async Task ExpireDue_DefaultTimeToLive_IsOneDay()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());
        _time.Advance(TimeSpan.FromHours(23));
        var expiredEarly = await queue.ExpireDueAsync();
        _time.Advance(TimeSpan.FromHours(1));

        var expiredAtOneDay = await queue.ExpireDueAsync();

        Assert.Equal(0, expiredEarly);
        Assert.Equal(1, expiredAtOneDay);
        Assert.Equal(ApprovalState.Expired, (await queue.GetAsync(queued.Approval.Id))!.State);
    }

    [Fact]
    public async Task ExpireDue_Approved_StaysApproved()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());
        await queue.ApproveAsync(queued.Approval.Id, "alice");
        _time.Advance(TimeSpan.FromDays(2));

        var expired = await queue.ExpireDueAsync();

        Assert.Equal(0, expired);
        Assert.Equal(ApprovalState.Approved, (await queue.GetAsync(queued.Approval.Id))!.State);
    }

    [Fact]
    public async Task Withdraw_Pending_RecordsReasonByMacha()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());

        var result = await queue.WithdrawAsync(queued.Approval.Id, "The incident resolved by itself.");

        Assert.Equal(ApprovalState.Withdrawn, result.Approval!.State);
        Assert.Equal("The incident resolved by itself.", result.Approval.Outcome);
        var transition = (await queue.GetTransitionsAsync(queued.Approval.Id))[^1];
        Assert.Equal(ApprovalActors.Macha, transition.Actor);
        Assert.Equal("The incident resolved by itself.", transition.Comment);
    }

    [Fact]
    public async Task Withdraw_Approved_ReturnsConflict()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());
        await queue.ApproveAsync(queued.Approval.Id, "alice");

        var result = await queue.WithdrawAsync(queued.Approval.Id, "The incident resolved by itself.");

        Assert.Equal(ApprovalChangeStatus.Conflict, result.Status);
        Assert.Equal(ApprovalState.Approved, result.Approval!.State);
    }

    [Fact]
    public async Task TryStartExecution_Pending_ReturnsFalse()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());

        var started = await queue.TryStartExecutionAsync(queued.Approval.Id, ApprovalActors.Macha);

        Assert.False(started);
        Assert.Equal(ApprovalState.Pending, (await queue.GetAsync(queued.Approval.Id))!.State);
    }

    [Fact]
    public async Task TryStartExecution_CalledTwice_SecondReturnsFalse()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());
        await queue.ApproveAsync(queued.Approval.Id, "alice");
        var first = await queue.TryStartExecutionAsync(queued.Approval.Id, ApprovalActors.Macha);

        var second = await queue.TryStartExecutionAsync(queued.Approval.Id, ApprovalActors.Macha);

        Assert.True(first);
        Assert.False(second);
    }

    [Fact]
    public async Task Complete_Running_StoresOutcomeAndFinishTime()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());
        await queue.ApproveAsync(queued.Approval.Id, "alice");
        await queue.TryStartExecutionAsync(queued.Approval.Id, ApprovalActors.Macha);
        _time.Advance(TimeSpan.FromSeconds(12));

        var result = await queue.CompleteAsync(queued.Approval.Id, succeeded: false, "nginx.service is still failed after 10 s.");

        Assert.Equal(ApprovalState.Failed, result.Approval!.State);
        Assert.Equal("nginx.service is still failed after 10 s.", result.Approval.Outcome);
        Assert.Equal(ApprovalTestData.Start.AddSeconds(12), result.Approval.FinishedAt);
    }

    [Fact]
    public async Task GetTransitions_FullLife_RecordsActorsAndTimes()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var id = (await queue.EnqueueAsync(ApprovalTestData.Request())).Approval.Id;
        _time.Advance(TimeSpan.FromMinutes(5));
        await queue.ApproveAsync(id, "alice", "Approved from the dashboard.");
        _time.Advance(TimeSpan.FromSeconds(1));
        await queue.TryStartExecutionAsync(id, ApprovalActors.Macha);
        _time.Advance(TimeSpan.FromSeconds(10));
        await queue.CompleteAsync(id, succeeded: true, "nginx.service is active.");

        var transitions = await queue.GetTransitionsAsync(id);

        var recorded = transitions.Select(t => (t.From, t.To, t.Actor, t.At)).ToList();
        (ApprovalState?, ApprovalState, string, DateTimeOffset)[] expected =
        [
            (null, ApprovalState.Pending, ApprovalActors.Macha, ApprovalTestData.Start),
            (ApprovalState.Pending, ApprovalState.Approved, "alice", ApprovalTestData.Start.AddMinutes(5)),
            (ApprovalState.Approved, ApprovalState.Running, ApprovalActors.Macha, ApprovalTestData.Start.AddMinutes(5).AddSeconds(1)),
            (ApprovalState.Running, ApprovalState.Succeeded, ApprovalActors.Macha, ApprovalTestData.Start.AddMinutes(5).AddSeconds(11)),
        ];
        Assert.Equal(expected, recorded);
    }

    [Fact]
    public async Task List_StateFilter_ReturnsOnlyThatState()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var pending = await queue.EnqueueAsync(ApprovalTestData.Request("a"));
        var rejected = await queue.EnqueueAsync(ApprovalTestData.Request("b"));
        await queue.RejectAsync(rejected.Approval.Id, "alice");

        var page = await queue.ListAsync(ApprovalState.Pending);

        Assert.Equal(pending.Approval.Id, Assert.Single(page.Items).Id);
        Assert.Equal(1, page.TotalCount);
    }

    [Fact]
    public async Task List_SecondPage_ContinuesNewestFirst()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await queue.EnqueueAsync(ApprovalTestData.Request($"key-{i}"))).Approval.Id);
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        var first = await queue.ListAsync(page: 1, pageSize: 2);
        var second = await queue.ListAsync(page: 2, pageSize: 2);

        Assert.Equal([ids[4], ids[3]], first.Items.Select(a => a.Id));
        Assert.Equal([ids[2], ids[1]], second.Items.Select(a => a.Id));
        Assert.Equal(5, second.TotalCount);
    }

    [Fact]
    public async Task List_PageSizeAboveMax_Throws()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();

        var list = () => queue.ListAsync(pageSize: ApprovalQueue.MaxPageSize + 1);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(list);
    }
}
