using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Macha.Core.Actions.Autonomy;

/// <summary>
/// In-process broadcast of pauses and resumes, for the dashboard and notifiers. Each subscriber gets
/// its own bounded channel, so a slow subscriber drops its oldest events instead of delaying a pause.
/// </summary>
/// <remarks>
/// Events are published after the change is stored, so a subscriber that reads the state in reply
/// sees the change. A subscriber only sees changes published after it started enumerating; read
/// <see cref="AutonomySwitch.GetStateAsync"/> first for the current state.
/// </remarks>
public sealed class AutonomyEvents
{
    private const int SubscriberCapacity = 64;

    private readonly Lock _gate = new();
    private readonly List<Channel<AutonomyChanged>> _subscribers = [];

    /// <summary>Reads changes until the token is cancelled; the subscription ends with the enumeration.</summary>
    public async IAsyncEnumerable<AutonomyChanged> SubscribeAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<AutonomyChanged>(new BoundedChannelOptions(SubscriberCapacity)
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
            await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return change;
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

    public void Publish(AutonomyChanged change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(change);
            }
        }
    }
}
