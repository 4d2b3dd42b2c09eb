using System.Collections.Concurrent;
using Macha.Core.Analysis;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Analysis;

public sealed class ModelRequestQueueTests
{
    // Only a guard against a hung test; no ordering depends on real time.
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task RunAsync_OneSlot_StartsByPriority()
    {
        using var queue = CreateQueue();
        var blocker = new BlockingWork();
        var order = new ConcurrentQueue<string>();
        var running = queue.RunAsync(ModelRequestPriority.Background, "blocker", blocker.RunAsync);
        await blocker.Started.WaitAsync(HangGuard);
        var background = queue.RunAsync(ModelRequestPriority.Background, "summary", RecordStart(order, "background"));
        var incident = queue.RunAsync(ModelRequestPriority.Incident, "incident", RecordStart(order, "incident"));
        var interactive = queue.RunAsync(ModelRequestPriority.Interactive, "question", RecordStart(order, "interactive"));

        blocker.Release();
        await Task.WhenAll(running, background, incident, interactive).WaitAsync(HangGuard);

        Assert.Equal(["interactive", "incident", "background"], order);
    }

    [Fact]
    public async Task RunAsync_SamePriority_StartsInEnqueueOrder()
    {
        using var queue = CreateQueue();
        var blocker = new BlockingWork();
        var order = new ConcurrentQueue<string>();
        var running = queue.RunAsync(ModelRequestPriority.Incident, "blocker", blocker.RunAsync);
        await blocker.Started.WaitAsync(HangGuard);
        var waiting = Enumerable.Range(1, 5)
            .Select(i => queue.RunAsync(ModelRequestPriority.Incident, $"incident {i}", RecordStart(order, $"incident {i}")))
            .ToList();

        blocker.Release();
        await Task.WhenAll([running, .. waiting]).WaitAsync(HangGuard);

        Assert.Equal(["incident 1", "incident 2", "incident 3", "incident 4", "incident 5"], order);
    }

    [Fact]
    public async Task RunAsync_BackgroundAgedTwoLevels_OvertakesIncidents()
    {
        using var queue = CreateQueue(new AnalysisOptions { PriorityAging = TimeSpan.FromMinutes(2) });
        var blocker = new BlockingWork();
        var order = new ConcurrentQueue<string>();
        var running = queue.RunAsync(ModelRequestPriority.Incident, "blocker", blocker.RunAsync, TimeSpan.FromHours(1));
        await blocker.Started.WaitAsync(HangGuard);
        var background = queue.RunAsync(ModelRequestPriority.Background, "summary", RecordStart(order, "background"));
        _time.Advance(TimeSpan.FromMinutes(4));
        var incidents = Enumerable.Range(1, 2)
            .Select(i => queue.RunAsync(ModelRequestPriority.Incident, $"incident {i}", RecordStart(order, $"incident {i}")))
            .ToList();

        blocker.Release();
        await Task.WhenAll([running, background, .. incidents]).WaitAsync(HangGuard);

        // Two periods raise Background to Interactive, above the fresh Incident requests.
        Assert.Equal(["background", "incident 1", "incident 2"], order);
    }

    [Fact]
    public async Task RunAsync_AgedBackgroundTiesIncident_RunsFirst()
    {
        using var queue = CreateQueue(new AnalysisOptions { PriorityAging = TimeSpan.FromMinutes(2) });
        var blocker = new BlockingWork();
        var order = new ConcurrentQueue<string>();
        var running = queue.RunAsync(ModelRequestPriority.Incident, "blocker", blocker.RunAsync, TimeSpan.FromHours(1));
        await blocker.Started.WaitAsync(HangGuard);
        var background = queue.RunAsync(ModelRequestPriority.Background, "summary", RecordStart(order, "background"));
        _time.Advance(TimeSpan.FromMinutes(2));
        var incident = queue.RunAsync(ModelRequestPriority.Incident, "incident", RecordStart(order, "incident"));

        blocker.Release();
        await Task.WhenAll(running, background, incident).WaitAsync(HangGuard);

        Assert.Equal(["background", "incident"], order);
    }

    [Fact]
    public async Task RunAsync_BackgroundNotYetAged_RunsAfterIncident()
    {
        using var queue = CreateQueue(new AnalysisOptions { PriorityAging = TimeSpan.FromMinutes(2) });
        var blocker = new BlockingWork();
        var order = new ConcurrentQueue<string>();
        var running = queue.RunAsync(ModelRequestPriority.Incident, "blocker", blocker.RunAsync, TimeSpan.FromHours(1));
        await blocker.Started.WaitAsync(HangGuard);
        var background = queue.RunAsync(ModelRequestPriority.Background, "summary", RecordStart(order, "background"));
        _time.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromSeconds(1));
        var incident = queue.RunAsync(ModelRequestPriority.Incident, "incident", RecordStart(order, "incident"));

        blocker.Release();
        await Task.WhenAll(running, background, incident).WaitAsync(HangGuard);

        Assert.Equal(["incident", "background"], order);
    }

    [Fact]
    public async Task RunAsync_TwoSlots_RunsTwoAtOnce()
    {
        using var queue = CreateQueue(new AnalysisOptions { MaxConcurrentRequests = 2 });
        var works = Enumerable.Range(0, 3).Select(_ => new BlockingWork()).ToList();
        var tasks = works.Select((work, i) => queue.RunAsync(ModelRequestPriority.Incident, $"incident {i}", work.RunAsync)).ToList();
        await Task.WhenAll(works[0].Started, works[1].Started).WaitAsync(HangGuard);

        var state = queue.GetState();

        Assert.Equal(2, state.Running.Count);
        Assert.Single(state.Waiting);
        Assert.False(works[2].HasStarted);

        works[0].Release();
        await works[2].Started.WaitAsync(HangGuard);

        Assert.Equal(2, queue.GetState().Running.Count);

        works[1].Release();
        works[2].Release();
        await Task.WhenAll(tasks).WaitAsync(HangGuard);
    }

    [Fact]
    public async Task RunAsync_CancelledWhileWaiting_NeverRuns()
    {
        using var queue = CreateQueue();
        var blocker = new BlockingWork();
        var running = queue.RunAsync(ModelRequestPriority.Incident, "blocker", blocker.RunAsync);
        await blocker.Started.WaitAsync(HangGuard);
        var waitingWork = new BlockingWork();
        using var cancellation = new CancellationTokenSource();
        var waiting = queue.RunAsync(ModelRequestPriority.Interactive, "question", waitingWork.RunAsync, cancellationToken: cancellation.Token);

        await cancellation.CancelAsync();

        // The caller leaves while the blocker still holds the only slot.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(HangGuard));
        var state = queue.GetState();
        Assert.Empty(state.Waiting);
        Assert.Equal(1, state.CancelledCount);

        blocker.Release();
        await running.WaitAsync(HangGuard);

        Assert.Equal(0, waitingWork.CallCount);
    }

    [Fact]
    public async Task RunAsync_CancelledWhileRunning_CancelsWorkToken()
    {
        using var queue = CreateQueue();
        var work = new BlockingWork();
        using var cancellation = new CancellationTokenSource();
        var running = queue.RunAsync(ModelRequestPriority.Interactive, "question", work.RunAsync, cancellationToken: cancellation.Token);
        await work.Started.WaitAsync(HangGuard);
        var next = new BlockingWork();
        var nextTask = queue.RunAsync(ModelRequestPriority.Background, "summary", next.RunAsync);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(HangGuard));
        Assert.True(work.Token.IsCancellationRequested);
        await next.Started.WaitAsync(HangGuard);
        Assert.Equal(1, queue.GetState().CancelledCount);

        next.Release();
        await nextTask.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task RunAsync_AlreadyCancelled_NeverRuns()
    {
        using var queue = CreateQueue();
        var work = new BlockingWork();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => queue.RunAsync(ModelRequestPriority.Interactive, "question", work.RunAsync, cancellationToken: new CancellationToken(canceled: true)));

        Assert.Equal(0, work.CallCount);
        Assert.Equal(1, queue.GetState().CancelledCount);
    }

    [Fact]
    public async Task RunAsync_PastTimeout_CancelsWorkAndThrows()
    {
        using var queue = CreateQueue(new AnalysisOptions { RequestTimeout = TimeSpan.FromMinutes(1) });
        var blocker = new BlockingWork();
        var running = queue.RunAsync(ModelRequestPriority.Incident, "blocker", blocker.RunAsync, TimeSpan.FromHours(1));
        await blocker.Started.WaitAsync(HangGuard);
        var slow = new BlockingWork();
        var slowTask = queue.RunAsync(ModelRequestPriority.Incident, "analyse incident 3f2a", slow.RunAsync);

        // Ten minutes of waiting, far past the one-minute timeout, must not count against the request.
        _time.Advance(TimeSpan.FromMinutes(10));
        blocker.Release();
        await running.WaitAsync(HangGuard);
        await slow.Started.WaitAsync(HangGuard);
        _time.Advance(TimeSpan.FromSeconds(59));

        Assert.False(slowTask.IsCompleted);
        Assert.False(slow.Token.IsCancellationRequested);

        _time.Advance(TimeSpan.FromSeconds(2));

        var exception = await Assert.ThrowsAsync<ModelRequestTimeoutException>(() => slowTask.WaitAsync(HangGuard));
        Assert.Contains("analyse incident 3f2a", exception.Message, StringComparison.Ordinal);
        Assert.True(slow.Token.IsCancellationRequested);
        var state = queue.GetState();
        Assert.Equal(1, state.FailedCount);
        Assert.Equal(1, state.TimedOutCount);
        Assert.Equal(1, state.CompletedCount);
        Assert.Empty(state.Running);
    }

    [Fact]
    public async Task RunAsync_PerCallTimeout_OverridesConfiguredTimeout()
    {
        using var queue = CreateQueue(new AnalysisOptions { RequestTimeout = TimeSpan.FromMinutes(5) });
        var work = new BlockingWork();
        var task = queue.RunAsync(ModelRequestPriority.Interactive, "question", work.RunAsync, TimeSpan.FromSeconds(30));
        await work.Started.WaitAsync(HangGuard);

        _time.Advance(TimeSpan.FromSeconds(31));

        await Assert.ThrowsAsync<ModelRequestTimeoutException>(() => task.WaitAsync(HangGuard));
    }

    [Fact]
    public async Task RunAsync_WorkIgnoresTimeout_KeepsSlotTaken()
    {
        using var queue = CreateQueue(new AnalysisOptions { RequestTimeout = TimeSpan.FromMinutes(1) });
        var stubborn = new BlockingWork(observeToken: false);
        var stubbornTask = queue.RunAsync(ModelRequestPriority.Incident, "stubborn", stubborn.RunAsync);
        await stubborn.Started.WaitAsync(HangGuard);
        var next = new BlockingWork();
        var nextTask = queue.RunAsync(ModelRequestPriority.Interactive, "question", next.RunAsync);

        _time.Advance(TimeSpan.FromMinutes(2));

        await Assert.ThrowsAsync<ModelRequestTimeoutException>(() => stubbornTask.WaitAsync(HangGuard));
        var state = queue.GetState();
        Assert.Equal("stubborn", Assert.Single(state.Running).Description);
        Assert.Equal("question", Assert.Single(state.Waiting).Description);
        Assert.False(next.HasStarted);

        stubborn.Release();
        await next.Started.WaitAsync(HangGuard);
        next.Release();
        await nextTask.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task RunAsync_WorkThrows_RethrowsAndFreesSlot()
    {
        using var queue = CreateQueue();
        var failing = new BlockingWork();
        var failingTask = queue.RunAsync(ModelRequestPriority.Incident, "failing", failing.RunAsync);
        await failing.Started.WaitAsync(HangGuard);
        var next = new BlockingWork();
        var nextTask = queue.RunAsync(ModelRequestPriority.Incident, "next", next.RunAsync);
        var expected = new InvalidOperationException("model returned garbage");

        failing.Fail(expected);

        var actual = await Assert.ThrowsAsync<InvalidOperationException>(() => failingTask.WaitAsync(HangGuard));
        Assert.Same(expected, actual);
        await next.Started.WaitAsync(HangGuard);
        Assert.Equal(1, queue.GetState().FailedCount);

        next.Release();
        await nextTask.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task RunAsync_WorkThrowsSynchronously_FreesSlot()
    {
        using var queue = CreateQueue();
        var expected = new InvalidOperationException("bad prompt");

        var actual = await Assert.ThrowsAsync<InvalidOperationException>(
            () => queue.RunAsync<int>(ModelRequestPriority.Incident, "failing", _ => throw expected));

        Assert.Same(expected, actual);
        Assert.Equal(7, await queue.RunAsync(ModelRequestPriority.Incident, "next", _ => Task.FromResult(7)).WaitAsync(HangGuard));
    }

    [Fact]
    public async Task GetState_BusyQueue_ShowsRequestsAndCounts()
    {
        using var queue = CreateQueue(new AnalysisOptions { MaxConcurrentRequests = 1 });
        var startedAt = _time.GetUtcNow();
        var analysis = new BlockingWork();
        var analysisTask = queue.RunAsync(ModelRequestPriority.Incident, "analyse incident 3f2a", analysis.RunAsync, TimeSpan.FromHours(1));
        await analysis.Started.WaitAsync(HangGuard);
        _time.Advance(TimeSpan.FromSeconds(30));
        var summary = new BlockingWork();
        var summaryTask = queue.RunAsync(ModelRequestPriority.Background, "summarise the week", summary.RunAsync);
        var question = new BlockingWork();
        var questionTask = queue.RunAsync(ModelRequestPriority.Interactive, "answer a question", question.RunAsync);

        var state = queue.GetState();

        Assert.Equal(1, state.MaxConcurrent);
        var running = Assert.Single(state.Running);
        Assert.Equal("analyse incident 3f2a", running.Description);
        Assert.Equal(ModelRequestPriority.Incident, running.Priority);
        Assert.Equal(startedAt, running.EnqueuedAt);
        Assert.Equal(startedAt, running.StartedAt);
        Assert.Equal(["answer a question", "summarise the week"], state.Waiting.Select(request => request.Description));
        Assert.Equal([ModelRequestPriority.Interactive, ModelRequestPriority.Background], state.Waiting.Select(request => request.Priority));
        Assert.All(state.Waiting, request => Assert.Null(request.StartedAt));
        Assert.All(state.Waiting, request => Assert.Equal(startedAt.AddSeconds(30), request.EnqueuedAt));
        Assert.Equal(0, state.CompletedCount);

        analysis.Release();
        await question.Started.WaitAsync(HangGuard);
        question.Release();
        await summary.Started.WaitAsync(HangGuard);
        summary.Release();
        await Task.WhenAll(analysisTask, summaryTask, questionTask).WaitAsync(HangGuard);
        var finalState = queue.GetState();

        Assert.Empty(finalState.Running);
        Assert.Empty(finalState.Waiting);
        Assert.Equal(3, finalState.CompletedCount);
        Assert.Equal(0, finalState.FailedCount);
        Assert.Equal(0, finalState.CancelledCount);
    }

    [Fact]
    public async Task RunAsync_LimitRaised_StartsWaitingRequest()
    {
        var options = new ChangeableOptionsMonitor(new AnalysisOptions { MaxConcurrentRequests = 1 });
        using var queue = new ModelRequestQueue(options, _time, NullLogger<ModelRequestQueue>.Instance);
        var first = new BlockingWork();
        var second = new BlockingWork();
        var firstTask = queue.RunAsync(ModelRequestPriority.Incident, "first", first.RunAsync);
        var secondTask = queue.RunAsync(ModelRequestPriority.Incident, "second", second.RunAsync);
        await first.Started.WaitAsync(HangGuard);

        options.Change(new AnalysisOptions { MaxConcurrentRequests = 2 });

        await second.Started.WaitAsync(HangGuard);
        Assert.Equal(2, queue.GetState().Running.Count);

        first.Release();
        second.Release();
        await Task.WhenAll(firstTask, secondTask).WaitAsync(HangGuard);
    }

    [Fact]
    public async Task Dispose_WaitingRequest_FailsIt()
    {
        var queue = CreateQueue();
        var blocker = new BlockingWork();
        var running = queue.RunAsync(ModelRequestPriority.Incident, "blocker", blocker.RunAsync);
        await blocker.Started.WaitAsync(HangGuard);
        var waiting = queue.RunAsync(ModelRequestPriority.Incident, "waiting", _ => Task.FromResult(1));

        queue.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WaitAsync(HangGuard));
        Assert.Equal(1, queue.GetState().CancelledCount);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => queue.RunAsync(ModelRequestPriority.Incident, "late", _ => Task.FromResult(1)));

        blocker.Release();
        await running.WaitAsync(HangGuard);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task RunAsync_NonPositiveTimeout_Throws(int seconds)
    {
        using var queue = CreateQueue();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => queue.RunAsync(ModelRequestPriority.Incident, "request", _ => Task.FromResult(1), TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public async Task RunAsync_ManyCallers_EachRunsOnce()
    {
        const int callerCount = 200;
        const int maxConcurrent = 3;
        using var queue = CreateQueue(new AnalysisOptions { MaxConcurrentRequests = maxConcurrent });
        var callCounts = new int[callerCount];
        var runningNow = 0;
        var maxObserved = 0;

        async Task<int> WorkAsync(int index, CancellationToken cancellationToken)
        {
            var current = Interlocked.Increment(ref runningNow);
            InterlockedMax(ref maxObserved, current);
            Interlocked.Increment(ref callCounts[index]);
            await Task.Yield();
            Interlocked.Decrement(ref runningNow);
            return index;
        }

        var callers = Enumerable.Range(0, callerCount)
            .Select(i => Task.Run(() => queue.RunAsync((ModelRequestPriority)(i % 3), $"request {i}", token => WorkAsync(i, token))))
            .ToArray();
        var results = await Task.WhenAll(callers).WaitAsync(HangGuard);

        Assert.Equal(Enumerable.Range(0, callerCount), results);
        Assert.All(callCounts, count => Assert.Equal(1, count));
        Assert.InRange(maxObserved, 1, maxConcurrent);
        var state = queue.GetState();
        Assert.Equal(callerCount, state.CompletedCount);
        Assert.Empty(state.Running);
        Assert.Empty(state.Waiting);
    }

    [Fact]
    public async Task RunAsync_ManyCallersCancelling_CountsEachOnce()
    {
        const int callerCount = 200;
        using var queue = CreateQueue(new AnalysisOptions { MaxConcurrentRequests = 2 });
        var callCounts = new int[callerCount];
        var cancellations = Enumerable.Range(0, callerCount).Select(_ => new CancellationTokenSource()).ToArray();

        async Task<int> WorkAsync(int index, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref callCounts[index]);
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            return index;
        }

        var callers = Enumerable.Range(0, callerCount)
            .Select(i => Task.Run(() => queue.RunAsync(ModelRequestPriority.Incident, $"request {i}", token => WorkAsync(i, token), cancellationToken: cancellations[i].Token)))
            .ToArray();
        var cancellers = Enumerable.Range(0, callerCount)
            .Where(i => i % 2 == 1)
            .Select(i => Task.Run(() => CancelAfterYieldsAsync(cancellations[i], Random.Shared.Next(0, 40))))
            .ToArray();
        await Task.WhenAll(cancellers).WaitAsync(HangGuard);
        var outcomes = await Task.WhenAll(callers.Select(ObserveAsync)).WaitAsync(HangGuard);

        // A caller cancelled while its work runs returns at once, but the request keeps its slot
        // until the work itself ends, so wait for the last work to finish before reading the state.
        var state = queue.GetState();
        using var drain = new CancellationTokenSource(HangGuard);
        while (state.Running.Count > 0 || state.Waiting.Count > 0)
        {
            await Task.Delay(10, drain.Token);
            state = queue.GetState();
        }

        Assert.Equal(outcomes.Count(outcome => outcome == "completed"), state.CompletedCount);
        Assert.Equal(outcomes.Count(outcome => outcome == "cancelled"), state.CancelledCount);
        Assert.Equal(callerCount, state.CompletedCount + state.CancelledCount);
        Assert.Equal(0, state.FailedCount);
        Assert.All(callCounts, count => Assert.InRange(count, 0, 1));
        Assert.Empty(state.Running);
        Assert.Empty(state.Waiting);

        foreach (var cancellation in cancellations)
        {
            cancellation.Dispose();
        }
    }

    /// <summary>Cancels after a varying number of scheduler turns, so some requests are waiting and some running.</summary>
    private static async Task CancelAfterYieldsAsync(CancellationTokenSource cancellation, int yieldCount)
    {
        for (var i = 0; i < yieldCount; i++)
        {
            await Task.Yield();
        }

        await cancellation.CancelAsync();
    }

    private static async Task<string> ObserveAsync(Task<int> caller)
    {
        try
        {
            await caller;
            return "completed";
        }
        catch (OperationCanceledException)
        {
            return "cancelled";
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var previous = Interlocked.CompareExchange(ref target, value, current);
            if (previous == current)
            {
                return;
            }

            current = previous;
        }
    }

    private static Func<CancellationToken, Task<int>> RecordStart(ConcurrentQueue<string> order, string name) =>
        _ =>
        {
            order.Enqueue(name);
            return Task.FromResult(0);
        };

    private ModelRequestQueue CreateQueue(AnalysisOptions? options = null) =>
        new(new ChangeableOptionsMonitor(options ?? new AnalysisOptions()), _time, NullLogger<ModelRequestQueue>.Instance);

    /// <summary>A work function that reports when it starts and finishes only when the test releases it.</summary>
    private sealed class BlockingWork(bool observeToken = true)
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _callCount;

        public Task Started => _started.Task;

        public bool HasStarted => _started.Task.IsCompleted;

        public int CallCount => Volatile.Read(ref _callCount);

        /// <summary>The token the queue passed to the work; default until it starts.</summary>
        public CancellationToken Token { get; private set; }

        public void Release() => _release.TrySetResult();

        public void Fail(Exception exception) => _release.TrySetException(exception);

        public async Task<int> RunAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _callCount);
            Token = cancellationToken;
            _started.TrySetResult();
            if (observeToken)
            {
                await _release.Task.WaitAsync(cancellationToken);
            }
            else
            {
                await _release.Task;
            }

            return 1;
        }
    }

    /// <summary>An options monitor whose value a test replaces, notifying the queue as a configuration reload would.</summary>
    private sealed class ChangeableOptionsMonitor(AnalysisOptions value) : IOptionsMonitor<AnalysisOptions>
    {
        private readonly List<Action<AnalysisOptions, string?>> _listeners = [];

        public AnalysisOptions CurrentValue { get; private set; } = value;

        public AnalysisOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<AnalysisOptions, string?> listener)
        {
            _listeners.Add(listener);
            return null;
        }

        public void Change(AnalysisOptions value)
        {
            CurrentValue = value;
            foreach (var listener in _listeners)
            {
                listener(value, Options.DefaultName);
            }
        }
    }
}
