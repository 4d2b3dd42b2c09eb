using Macha.Core.Monitoring;

namespace Macha.Tests.Fakes;

/// <summary>A collector that sets memory figures and succeeds.</summary>
internal sealed class WorkingCollector(string name = "memory") : ICollector
{
    public string Name { get; } = name;

    public Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
    {
        context.Snapshot.Memory = new MemorySection(8L << 30, 4L << 30, "MemAvailable", 0, 0);
        return Task.FromResult(CollectorOutcome.Ok());
    }
}

/// <summary>A collector with a bug: it throws instead of returning a status.</summary>
internal sealed class ThrowingCollector : ICollector
{
    public string Name => "throwing";

    public Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("parser bug");
}

/// <summary>A collector that never finishes and ignores its cancellation token, like a stuck df.</summary>
internal sealed class HangingCollector : ICollector
{
    private readonly TaskCompletionSource<CollectorOutcome> _never = new();

    public string Name => "hanging";

    public Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default) =>
        _never.Task;
}

/// <summary>A collector that records how many runs are inside it at once.</summary>
internal sealed class ConcurrencyProbeCollector : ICollector
{
    private int _inside;

    public string Name => "probe";

    public int MaxInside { get; private set; }

    public async Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
    {
        var inside = Interlocked.Increment(ref _inside);
        MaxInside = Math.Max(MaxInside, inside);
        await Task.Delay(50, cancellationToken);
        Interlocked.Decrement(ref _inside);
        return CollectorOutcome.Ok();
    }
}
