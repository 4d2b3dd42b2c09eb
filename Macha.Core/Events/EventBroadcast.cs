using System.Threading.Channels;

namespace Macha.Core.Events;

/// <summary>
/// In-process broadcast of events to live views. Each subscriber gets its own bounded channel, so a
/// slow dashboard circuit drops its oldest events instead of slowing the publisher.
/// </summary>
public abstract class EventBroadcast<TEvent>
{
    private const int SubscriberCapacity = 256;

    private readonly Lock _gate = new();
    private readonly List<Channel<TEvent>> _subscribers = [];

    /// <summary>Reads events until the token is cancelled; the subscription ends with the enumeration.</summary>
    public async IAsyncEnumerable<TEvent> SubscribeAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<TEvent>(new BoundedChannelOptions(SubscriberCapacity)
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
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return item;
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

    /// <summary>Returns how many subscriptions are open, so a test can wait for one before publishing.</summary>
    public int SubscriberCount
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>Hands the event to every current subscriber without waiting for any of them.</summary>
    public void Publish(TEvent item)
    {
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(item);
            }
        }
    }
}
