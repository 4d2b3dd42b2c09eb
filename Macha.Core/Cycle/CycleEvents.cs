using System.Threading.Channels;
using Macha.Core.Incidents;
using Macha.Core.Monitoring;
using Macha.Core.Storage;

namespace Macha.Core.Cycle;

/// <summary>Something that happened during a health cycle, for live views.</summary>
public abstract record CycleEvent(Guid RunId, DateTimeOffset At);

/// <param name="CollectorNames">Collectors each host runs, so a view can show progress as a share.</param>
public sealed record CycleStarted(
    Guid RunId,
    DateTimeOffset At,
    CycleTrigger Trigger,
    IReadOnlyList<string> HostNames,
    IReadOnlyList<string> CollectorNames)
    : CycleEvent(RunId, At);

public sealed record CollectorFinished(Guid RunId, DateTimeOffset At, string HostName, CollectorStatus Status)
    : CycleEvent(RunId, At);

/// <param name="IncidentChanges">Incidents of the host that opened, reopened, changed severity or resolved.</param>
public sealed record HostFinished(Guid RunId, DateTimeOffset At, string HostName, int FindingCount, IReadOnlyList<IncidentChange> IncidentChanges)
    : CycleEvent(RunId, At);

public sealed record CycleFinished(Guid RunId, DateTimeOffset At, CycleState State, int FindingCount, double DurationMs)
    : CycleEvent(RunId, At);

/// <summary>
/// In-process broadcast of cycle events. Each subscriber gets its own bounded channel, so a slow
/// dashboard circuit drops its oldest events instead of slowing the cycle.
/// </summary>
public sealed class CycleEvents
{
    private const int SubscriberCapacity = 256;

    private readonly Lock _gate = new();
    private readonly List<Channel<CycleEvent>> _subscribers = [];

    /// <summary>Reads events until the token is cancelled; the subscription ends with the enumeration.</summary>
    public async IAsyncEnumerable<CycleEvent> SubscribeAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<CycleEvent>(new BoundedChannelOptions(SubscriberCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }

        try
        {
            await foreach (var cycleEvent in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return cycleEvent;
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }
        }
    }

    public void Publish(CycleEvent cycleEvent)
    {
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(cycleEvent);
            }
        }
    }
}
