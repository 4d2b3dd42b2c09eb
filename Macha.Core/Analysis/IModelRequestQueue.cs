namespace Macha.Core.Analysis;

/// <summary>Who is waiting for a model request, from most to least urgent.</summary>
public enum ModelRequestPriority
{
    /// <summary>A person asking in the dashboard, waiting for the answer.</summary>
    Interactive = 0,

    /// <summary>Diagnosis of a new or changed incident.</summary>
    Incident = 1,

    /// <summary>Summaries, learning and other work nobody is waiting for.</summary>
    Background = 2,
}

/// <summary>
/// The one queue every model request goes through, so a single GPU serves one request at a time
/// (or the configured number) in priority order.
/// </summary>
public interface IModelRequestQueue
{
    /// <summary>
    /// Waits for a slot, then runs <paramref name="work"/> with a token that is cancelled when the
    /// caller cancels or the request exceeds <paramref name="timeout"/>.
    /// </summary>
    /// <param name="description">What the request is for, shown in the queue's state ("analyse incident 3f2a…").</param>
    /// <param name="timeout">Limit on running time, not counting the wait; null uses the configured default.</param>
    /// <exception cref="ModelRequestTimeoutException">The work ran longer than its timeout.</exception>
    /// <exception cref="OperationCanceledException">The caller cancelled, while waiting or running.</exception>
    Task<T> RunAsync<T>(
        ModelRequestPriority priority,
        string description,
        Func<CancellationToken, Task<T>> work,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default);

    /// <summary>Returns what is running and waiting now, for the dashboard and the API.</summary>
    ModelQueueState GetState();
}

/// <summary>A snapshot of the model-request queue.</summary>
/// <param name="MaxConcurrent">How many requests may run at once.</param>
public sealed record ModelQueueState(
    int MaxConcurrent,
    IReadOnlyList<ModelRequestInfo> Running,
    IReadOnlyList<ModelRequestInfo> Waiting,
    long CompletedCount,
    long FailedCount,
    long CancelledCount)
{
    /// <summary>How many of the <see cref="FailedCount"/> requests failed by running past their timeout.</summary>
    public long TimedOutCount { get; init; }
}

/// <summary>One request in the queue.</summary>
/// <param name="StartedAt">When it started running; null while it waits.</param>
public sealed record ModelRequestInfo(
    long Id,
    ModelRequestPriority Priority,
    string Description,
    DateTimeOffset EnqueuedAt,
    DateTimeOffset? StartedAt);

/// <summary>A model request ran longer than its timeout and was cancelled.</summary>
public sealed class ModelRequestTimeoutException : TimeoutException
{
    public ModelRequestTimeoutException()
    {
    }

    public ModelRequestTimeoutException(string message)
        : base(message)
    {
    }

    public ModelRequestTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
