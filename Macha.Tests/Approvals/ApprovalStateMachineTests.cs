using Macha.Core.Approvals;
using Macha.Core.Storage;
using Macha.Tests.Cycle;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Approvals;

/// <summary>Every operation of the queue from every state: the allowed transitions and all the others.</summary>
public sealed class ApprovalStateMachineTests : IClassFixture<ApprovalStateMachineTests.SharedDatabase>
{
    private static readonly Dictionary<(ApprovalState From, Operation Operation), ApprovalState> Allowed = new()
    {
        [(ApprovalState.Pending, Operation.Approve)] = ApprovalState.Approved,
        [(ApprovalState.Pending, Operation.Reject)] = ApprovalState.Rejected,
        [(ApprovalState.Pending, Operation.Withdraw)] = ApprovalState.Withdrawn,
        [(ApprovalState.Pending, Operation.ExpireDue)] = ApprovalState.Expired,
        [(ApprovalState.Approved, Operation.StartExecution)] = ApprovalState.Running,
        [(ApprovalState.Approved, Operation.Restart)] = ApprovalState.Failed,
        [(ApprovalState.Running, Operation.CompleteSucceeded)] = ApprovalState.Succeeded,
        [(ApprovalState.Running, Operation.CompleteFailed)] = ApprovalState.Failed,
        [(ApprovalState.Running, Operation.Restart)] = ApprovalState.Interrupted,
    };

    private readonly SharedDatabase _database;

    public ApprovalStateMachineTests(SharedDatabase database)
    {
        _database = database;
    }

    public enum Operation
    {
        Approve,
        Reject,
        Withdraw,
        ExpireDue,
        StartExecution,
        CompleteSucceeded,
        CompleteFailed,

        /// <summary>Macha starts again, and the database initializer runs.</summary>
        Restart,
    }

    public static TheoryData<ApprovalState, Operation, ApprovalState> AllowedTransitions()
    {
        var data = new TheoryData<ApprovalState, Operation, ApprovalState>();
        foreach (var ((from, operation), to) in Allowed)
        {
            data.Add(from, operation, to);
        }

        return data;
    }

    public static TheoryData<ApprovalState, Operation> ForbiddenTransitions()
    {
        var data = new TheoryData<ApprovalState, Operation>();
        foreach (var from in Enum.GetValues<ApprovalState>())
        {
            foreach (var operation in Enum.GetValues<Operation>().Where(operation => !Allowed.ContainsKey((from, operation))))
            {
                data.Add(from, operation);
            }
        }

        return data;
    }

    [Fact]
    public void Table_AllStatesAndOperations_AreCovered()
    {
        var cases = AllowedTransitions().Count + ForbiddenTransitions().Count;

        Assert.Equal(Enum.GetValues<ApprovalState>().Length * Enum.GetValues<Operation>().Length, cases);
    }

    [Theory]
    [MemberData(nameof(AllowedTransitions))]
    public async Task Operation_AllowedFromState_MovesToTarget(ApprovalState from, Operation operation, ApprovalState to)
    {
        var id = await CreateInStateAsync(from, operation);

        var applied = await ApplyAsync(operation, id);

        Assert.True(applied);
        Assert.Equal(to, (await Queue.GetAsync(id))!.State);
        var last = (await Queue.GetTransitionsAsync(id))[^1];
        Assert.Equal(from, last.From);
        Assert.Equal(to, last.To);
    }

    [Theory]
    [MemberData(nameof(ForbiddenTransitions))]
    public async Task Operation_ForbiddenFromState_LeavesApprovalUnchanged(ApprovalState from, Operation operation)
    {
        var id = await CreateInStateAsync(from, operation);
        var transitionsBefore = (await Queue.GetTransitionsAsync(id)).Count;

        var applied = await ApplyAsync(operation, id);

        Assert.False(applied);
        Assert.Equal(from, (await Queue.GetAsync(id))!.State);
        Assert.Equal(transitionsBefore, (await Queue.GetTransitionsAsync(id)).Count);
    }

    private ApprovalQueue Queue => _database.Harness.Get<ApprovalQueue>();

    private async Task<Guid> CreateInStateAsync(ApprovalState state, Operation operation)
    {
        var queued = await Queue.EnqueueAsync(ApprovalTestData.Request(dedupKey: Guid.NewGuid().ToString()));

        // Only the expiry cases get an approval old enough to expire, so the other approvals in the
        // shared database never match ExpireDueAsync.
        var createdAt = operation == Operation.ExpireDue ? ApprovalTestData.Start - TimeSpan.FromDays(2) : (DateTimeOffset?)null;
        await ApprovalTestData.ForceStateAsync(_database.Harness, queued.Approval.Id, state, createdAt);
        return queued.Approval.Id;
    }

    /// <returns>Whether the operation reported that it changed the approval.</returns>
    private async Task<bool> ApplyAsync(Operation operation, Guid id)
    {
        switch (operation)
        {
            case Operation.Approve:
                return (await Queue.ApproveAsync(id, "alice", "Looks right.")).Changed;
            case Operation.Reject:
                return (await Queue.RejectAsync(id, "alice", "Not now.")).Changed;
            case Operation.Withdraw:
                return (await Queue.WithdrawAsync(id, "The incident resolved by itself.")).Changed;
            case Operation.ExpireDue:
                return await Queue.ExpireDueAsync() > 0;
            case Operation.StartExecution:
                return await Queue.TryStartExecutionAsync(id, ApprovalActors.Macha);
            case Operation.CompleteSucceeded:
                return (await Queue.CompleteAsync(id, succeeded: true, "nginx.service is active.")).Changed;
            case Operation.CompleteFailed:
                return (await Queue.CompleteAsync(id, succeeded: false, "nginx.service is still failed.")).Changed;
            case Operation.Restart:
                var before = (await Queue.GetAsync(id))!.State;
                await _database.Harness.Get<DatabaseInitializer>().InitializeAsync();
                return (await Queue.GetAsync(id))!.State != before;
            default:
                throw new ArgumentOutOfRangeException(nameof(operation), operation, "Unknown operation.");
        }
    }

    /// <summary>One migrated database for all cases, because each case uses an approval of its own.</summary>
    public sealed class SharedDatabase : IAsyncLifetime
    {
        internal CycleHarness Harness { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Harness = await ApprovalTestData.StartAsync(new FakeTimeProvider(ApprovalTestData.Start));
        }

        public async Task DisposeAsync()
        {
            await Harness.DisposeAsync();
        }
    }
}
