using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Analysis;

/// <summary>
/// Runs model requests, at most <see cref="AnalysisOptions.MaxConcurrentRequests"/> at a time. When a slot
/// frees up, the waiting request with the highest priority runs next, after raising each request by one
/// level per <see cref="AnalysisOptions.PriorityAging"/> it has waited; ties go to the earliest enqueued.
/// </summary>
/// <remarks>
/// A caller that times out or cancels gets its exception at once. If its work ignores the cancelled
/// token, the request keeps its slot (and stays in <see cref="GetState"/> as running) until the work
/// ends, so the configured concurrency is never exceeded. Timeouts are counted in both
/// <see cref="ModelQueueState.FailedCount"/> and <see cref="ModelQueueState.TimedOutCount"/>.
/// </remarks>
internal sealed partial class ModelRequestQueue : IModelRequestQueue, IDisposable
{
    /// <summary>The longest delay <see cref="CancellationTokenSource"/> accepts.</summary>
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly Lock _gate = new();

    // Both lists are guarded by _gate. Waiting requests are few (one per incident or person), so a
    // linear scan at each start is cheaper than keeping a heap whose order changes as requests age.
    private readonly List<Request> _waiting = [];
    private readonly List<Request> _running = [];

    private readonly IOptionsMonitor<AnalysisOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ModelRequestQueue> _logger;
    private readonly IDisposable? _optionsChangeRegistration;

    private AnalysisOptions _lastValidOptions;
    private bool _usingStaleOptions;
    private long _lastRequestId;
    private long _completedCount;
    private long _failedCount;
    private long _timedOutCount;
    private long _cancelledCount;
    private bool _disposed;

    public ModelRequestQueue(IOptionsMonitor<AnalysisOptions> options, TimeProvider timeProvider, ILogger<ModelRequestQueue> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);

        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _lastValidOptions = options.CurrentValue;

        // A raised MaxConcurrentRequests starts waiting requests at once, not when the next one finishes.
        _optionsChangeRegistration = options.OnChange((_, _) => StartWaitingRequests());
    }

    public async Task<T> RunAsync<T>(
        ModelRequestPriority priority,
        string description,
        Func<CancellationToken, Task<T>> work,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(priority))
        {
            throw new ArgumentOutOfRangeException(nameof(priority), priority, "The priority must be Interactive, Incident or Background.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        ArgumentNullException.ThrowIfNull(work);
        if (timeout is { } requestedTimeout)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(requestedTimeout, TimeSpan.Zero, nameof(timeout));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(requestedTimeout, MaxTimeout, nameof(timeout));
        }

        // Every call that passes the checks above is counted exactly once, including one cancelled before it is enqueued.
        if (cancellationToken.IsCancellationRequested)
        {
            Count(RequestOutcome.Cancelled);
            cancellationToken.ThrowIfCancellationRequested();
        }

        var request = Enqueue(priority, description);
        await WaitForSlotAsync(request, cancellationToken);
        return await RunStartedAsync(request, work, timeout ?? ReadDefaultTimeout(), cancellationToken);
    }

    public ModelQueueState GetState()
    {
        lock (_gate)
        {
            var options = ReadOptions();
            var now = _timeProvider.GetUtcNow();

            // Waiting requests are listed in the order they would start if slots freed up now.
            var waiting = _waiting
                .OrderBy(request => EffectiveLevel(request, now, options.PriorityAging))
                .ThenBy(request => request.Id)
                .Select(request => request.ToInfo())
                .ToList();
            var running = _running.Select(request => request.ToInfo()).ToList();

            return new ModelQueueState(options.MaxConcurrentRequests, running, waiting, _completedCount, _failedCount, _cancelledCount)
            {
                TimedOutCount = _timedOutCount,
            };
        }
    }

    /// <summary>
    /// Stops accepting requests and fails the waiting ones with <see cref="ObjectDisposedException"/>, counting
    /// them as cancelled. Running requests go on until their work ends.
    /// </summary>
    public void Dispose()
    {
        List<Request> abandoned;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            abandoned = [.. _waiting];
            _waiting.Clear();
            _cancelledCount += abandoned.Count;
        }

        _optionsChangeRegistration?.Dispose();
        foreach (var request in abandoned)
        {
            request.Slot.TrySetException(new ObjectDisposedException(nameof(ModelRequestQueue), "The model-request queue was shut down before this request could run."));
        }
    }

    private Request Enqueue(ModelRequestPriority priority, string description)
    {
        Request request;
        int waitingCount;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            request = new Request(++_lastRequestId, priority, description, _timeProvider.GetUtcNow());
            _waiting.Add(request);
            StartWaitingRequestsLocked();
            waitingCount = _waiting.Count;
        }

        LogQueued(request.Id, priority, waitingCount, description);
        return request;
    }

    private async Task WaitForSlotAsync(Request request, CancellationToken cancellationToken)
    {
        using (cancellationToken.Register(() => CancelWaiting(request, cancellationToken)))
        {
            await request.Slot.Task;
        }
    }

    private void CancelWaiting(Request request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // The request may have been given a slot just before the caller cancelled;
            // RunStartedAsync handles that case.
            if (!_waiting.Remove(request))
            {
                return;
            }

            _cancelledCount++;
        }

        request.Slot.TrySetCanceled(cancellationToken);
        var waitedMs = ElapsedMilliseconds(request.EnqueuedAt);
        LogCancelledWhileWaiting(request.Id, waitedMs);
    }

    private async Task<T> RunStartedAsync<T>(
        Request request,
        Func<CancellationToken, Task<T>> work,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var startedAt = request.StartedAt ?? _timeProvider.GetUtcNow();
        if (cancellationToken.IsCancellationRequested)
        {
            // The caller cancelled between being given a slot and getting here, so the work never starts.
            Count(RequestOutcome.Cancelled);
            ReleaseSlot(request);
            LogCancelledWhileWaiting(request.Id, (long)(startedAt - request.EnqueuedAt).TotalMilliseconds);
            cancellationToken.ThrowIfCancellationRequested();
        }

        LogStarted(request.Id, request.Priority, (long)(startedAt - request.EnqueuedAt).TotalMilliseconds, request.Description);

        // The timeout starts here, when the request starts running, so time spent waiting does not count.
        using var timeoutSource = new CancellationTokenSource(timeout, _timeProvider);
        using var workSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        var workTask = StartWork(work, workSource.Token);
        try
        {
            // WaitAsync returns to the caller at the timeout or cancellation even if the work ignores its token.
            var result = await workTask.WaitAsync(workSource.Token);
            Count(RequestOutcome.Completed);
            var elapsedMs = ElapsedMilliseconds(startedAt);
            LogCompleted(request.Id, elapsedMs);
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Count(RequestOutcome.Cancelled);
            var elapsedMs = ElapsedMilliseconds(startedAt);
            LogCancelledWhileRunning(request.Id, elapsedMs);
            throw;
        }
        catch (OperationCanceledException exception) when (timeoutSource.IsCancellationRequested)
        {
            Count(RequestOutcome.TimedOut);
            LogTimedOut(request.Id, ElapsedMilliseconds(startedAt), (long)timeout.TotalMilliseconds, request.Description);
            throw new ModelRequestTimeoutException(
                $"The model request '{request.Description}' ran longer than its timeout of {timeout} and was cancelled. " +
                $"If the model needs more time, raise {AnalysisOptions.SectionName}:{nameof(AnalysisOptions.RequestTimeout)} or pass a longer timeout.",
                exception);
        }
        catch (Exception exception)
        {
            Count(RequestOutcome.Failed);
            LogFailed(exception, request.Id, ElapsedMilliseconds(startedAt), request.Description);
            throw;
        }
        finally
        {
            ReleaseSlotWhenWorkEnds(request, workTask, startedAt);
        }
    }

    private static Task<T> StartWork<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        // A work function that throws before returning its task is treated like one whose task faults,
        // so the same accounting and slot release apply.
        try
        {
            return work(cancellationToken)
                ?? Task.FromException<T>(new InvalidOperationException("The model request's work function returned null instead of a task."));
        }
        catch (Exception exception)
        {
            return Task.FromException<T>(exception);
        }
    }

    private void ReleaseSlotWhenWorkEnds(Request request, Task workTask, DateTimeOffset startedAt)
    {
        if (workTask.IsCompleted)
        {
            ReleaseSlot(request);
            return;
        }

        LogWorkOutlivedCaller(request.Id);
        _ = workTask.ContinueWith(
            task =>
            {
                // The caller has already left, so no other code observes this exception.
                _ = task.Exception;
                ReleaseSlot(request);
                var elapsedMs = ElapsedMilliseconds(startedAt);
                LogLateWorkEnded(request.Id, elapsedMs);
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void ReleaseSlot(Request request)
    {
        lock (_gate)
        {
            _running.Remove(request);
            StartWaitingRequestsLocked();
        }
    }

    private void StartWaitingRequests()
    {
        lock (_gate)
        {
            StartWaitingRequestsLocked();
        }
    }

    private void StartWaitingRequestsLocked()
    {
        var options = ReadOptions();
        var now = _timeProvider.GetUtcNow();
        while (_running.Count < options.MaxConcurrentRequests && _waiting.Count > 0)
        {
            var nextIndex = 0;
            var nextLevel = EffectiveLevel(_waiting[0], now, options.PriorityAging);
            for (var i = 1; i < _waiting.Count; i++)
            {
                // Requests are added in id order, so a strict comparison keeps the earliest on a tie.
                var level = EffectiveLevel(_waiting[i], now, options.PriorityAging);
                if (level < nextLevel)
                {
                    nextIndex = i;
                    nextLevel = level;
                }
            }

            var next = _waiting[nextIndex];
            _waiting.RemoveAt(nextIndex);
            next.StartedAt = now;
            _running.Add(next);

            // The slot's continuations run asynchronously, so the caller does not resume under _gate.
            next.Slot.TrySetResult();
        }
    }

    /// <summary>
    /// Computes the request's priority level after aging: its own level minus one for each full
    /// <paramref name="aging"/> it has waited, but never above <see cref="ModelRequestPriority.Interactive"/>.
    /// Lower is more urgent.
    /// </summary>
    private static long EffectiveLevel(Request request, DateTimeOffset now, TimeSpan aging)
    {
        var waited = now - request.EnqueuedAt;
        if (aging <= TimeSpan.Zero || waited <= TimeSpan.Zero)
        {
            return (long)request.Priority;
        }

        var levelsGained = waited.Ticks / aging.Ticks;
        return Math.Max((long)ModelRequestPriority.Interactive, (long)request.Priority - levelsGained);
    }

    private void Count(RequestOutcome outcome)
    {
        lock (_gate)
        {
            switch (outcome)
            {
                case RequestOutcome.Completed:
                    _completedCount++;
                    break;
                case RequestOutcome.Failed:
                    _failedCount++;
                    break;
                case RequestOutcome.TimedOut:
                    _failedCount++;
                    _timedOutCount++;
                    break;
                case RequestOutcome.Cancelled:
                    _cancelledCount++;
                    break;
            }
        }
    }

    /// <summary>
    /// Reads the current options, with _gate held. After an invalid configuration reload the monitor throws
    /// on every read. The queue then keeps the last valid options, because a throw here would leave slots taken.
    /// </summary>
    private AnalysisOptions ReadOptions()
    {
        try
        {
            _lastValidOptions = _options.CurrentValue;
            _usingStaleOptions = false;
        }
        catch (OptionsValidationException exception)
        {
            if (!_usingStaleOptions)
            {
                _usingStaleOptions = true;
                LogInvalidOptions(exception);
            }
        }

        return _lastValidOptions;
    }

    private TimeSpan ReadDefaultTimeout()
    {
        lock (_gate)
        {
            return ReadOptions().RequestTimeout;
        }
    }

    private long ElapsedMilliseconds(DateTimeOffset since) => (long)(_timeProvider.GetUtcNow() - since).TotalMilliseconds;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Model request {RequestId} queued at priority {Priority}, {WaitingCount} waiting: {Description}")]
    private partial void LogQueued(long requestId, ModelRequestPriority priority, int waitingCount, string description);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Model request {RequestId} started at priority {Priority} after waiting {WaitedMs} ms: {Description}")]
    private partial void LogStarted(long requestId, ModelRequestPriority priority, long waitedMs, string description);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Model request {RequestId} completed in {ElapsedMs} ms")]
    private partial void LogCompleted(long requestId, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Model request {RequestId} was cancelled by its caller after waiting {WaitedMs} ms; it never ran")]
    private partial void LogCancelledWhileWaiting(long requestId, long waitedMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Model request {RequestId} was cancelled by its caller after running {ElapsedMs} ms")]
    private partial void LogCancelledWhileRunning(long requestId, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model request {RequestId} timed out after running {ElapsedMs} ms (timeout {TimeoutMs} ms) and was cancelled: {Description}")]
    private partial void LogTimedOut(long requestId, long elapsedMs, long timeoutMs, string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model request {RequestId} failed after running {ElapsedMs} ms: {Description}")]
    private partial void LogFailed(Exception exception, long requestId, long elapsedMs, string description);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Model request {RequestId} returned to its caller before its work stopped; the slot stays taken until the work ends")]
    private partial void LogWorkOutlivedCaller(long requestId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The work of model request {RequestId} ended {ElapsedMs} ms after it started; its slot is free")]
    private partial void LogLateWorkEnded(long requestId, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The reloaded Macha:Analysis settings are invalid; the model-request queue keeps the last valid settings until they are fixed")]
    private partial void LogInvalidOptions(Exception exception);

    private enum RequestOutcome
    {
        Completed,
        Failed,
        TimedOut,
        Cancelled,
    }

    private sealed class Request(long id, ModelRequestPriority priority, string description, DateTimeOffset enqueuedAt)
    {
        public long Id { get; } = id;

        public ModelRequestPriority Priority { get; } = priority;

        public string Description { get; } = description;

        public DateTimeOffset EnqueuedAt { get; } = enqueuedAt;

        /// <summary>When the request was given a slot; written and read under the queue's lock.</summary>
        public DateTimeOffset? StartedAt { get; set; }

        /// <summary>Completed when the request is given a slot, cancelled when its caller leaves first.</summary>
        public TaskCompletionSource Slot { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ModelRequestInfo ToInfo() => new(Id, Priority, Description, EnqueuedAt, StartedAt);
    }
}
