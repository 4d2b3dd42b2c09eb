namespace Macha.Core.Notifications;

/// <summary>
/// The bounded queue between the notification policy and the background sender. Enqueueing never
/// waits: when the queue is full, the oldest non-critical notification is dropped and counted.
/// </summary>
/// <remarks>
/// A <see cref="System.Threading.Channels.Channel{T}"/> in DropOldest mode would drop a critical
/// notification as readily as any other, hence this small queue with its own drop rule.
/// </remarks>
internal sealed class NotificationQueue : IDisposable
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Notification> _items = new();
    private readonly SemaphoreSlim _available = new(0);
    private readonly Func<int> _capacity;
    private long _dropped;

    /// <param name="capacity">Read at every enqueue, so a changed setting applies without a restart.</param>
    public NotificationQueue(Func<int> capacity)
    {
        _capacity = capacity;
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Notifications dropped because the queue was full.</summary>
    public long DroppedCount => Interlocked.Read(ref _dropped);

    /// <summary>Adds a notification; returns false when it, or an older one, was dropped to make room.</summary>
    public bool Enqueue(Notification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);

        lock (_gate)
        {
            if (_items.Count < Math.Max(1, _capacity()))
            {
                _items.AddLast(notification);
                _available.Release();
                return true;
            }

            Interlocked.Increment(ref _dropped);
            var victim = FirstNode(n => !n.IsCritical);
            if (victim is null)
            {
                // Every queued notification is critical. A new non-critical one is the least
                // important; a new critical one replaces the oldest critical one.
                if (!notification.IsCritical)
                {
                    return false;
                }

                victim = _items.First!;
            }

            // One out, one in: the count the semaphore tracks stays the same.
            _items.Remove(victim);
            _items.AddLast(notification);
            return false;
        }
    }

    /// <summary>Waits for the next notification, oldest first.</summary>
    public async Task<Notification> DequeueAsync(CancellationToken cancellationToken)
    {
        await _available.WaitAsync(cancellationToken);
        lock (_gate)
        {
            var first = _items.First!;
            _items.RemoveFirst();
            return first.Value;
        }
    }

    public void Dispose() => _available.Dispose();

    private LinkedListNode<Notification>? FirstNode(Func<Notification, bool> predicate)
    {
        for (var node = _items.First; node is not null; node = node.Next)
        {
            if (predicate(node.Value))
            {
                return node;
            }
        }

        return null;
    }
}
