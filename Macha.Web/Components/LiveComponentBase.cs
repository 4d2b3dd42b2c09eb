using Macha.Core.Cycle;
using Macha.Core.Events;
using Microsoft.AspNetCore.Components;

namespace Macha.Web.Components;

/// <summary>
/// A component that changes without a reload: it subscribes to the health cycle's events and to
/// <see cref="MachaEvents"/> when it initializes, hands each event to <see cref="OnLiveEventAsync"/>
/// on the renderer's context, and re-renders when that returns true.
/// </summary>
/// <remarks>
/// The subscriptions start before the derived page loads its first data, so a change that happens
/// during the load is not missed. Disposing cancels both pumps and waits for them.
/// </remarks>
public abstract class LiveComponentBase : ComponentBase, IAsyncDisposable
{
    private readonly CancellationTokenSource _disposal = new();
    private readonly List<Task> _pumps = [];

    [Inject]
    private CycleEvents CycleEvents { get; set; } = default!;

    [Inject]
    private MachaEvents MachaEvents { get; set; } = default!;

    /// <summary>Cancelled when the component is disposed; pass it to every query.</summary>
    protected CancellationToken Disposing => _disposal.Token;

    public async ValueTask DisposeAsync()
    {
        await _disposal.CancelAsync();
        foreach (var pump in _pumps)
        {
            try
            {
                await pump;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _disposal.Dispose();
        GC.SuppressFinalize(this);
    }

    protected override void OnInitialized()
    {
        _pumps.Add(PumpAsync(CycleEvents.SubscribeAsync(_disposal.Token)));
        _pumps.Add(PumpAsync(MachaEvents.SubscribeAsync(_disposal.Token)));
    }

    /// <summary>Applies one event; returns true when the component must render again.</summary>
    /// <param name="liveEvent">A <see cref="CycleEvent"/> or a <see cref="MachaEvent"/>.</param>
    protected abstract Task<bool> OnLiveEventAsync(object liveEvent);

    private async Task PumpAsync<TEvent>(IAsyncEnumerable<TEvent> events)
        where TEvent : notnull
    {
        // There is no yield before the loop, so its first step runs synchronously inside OnInitialized
        // and registers the subscription. An event published once the first render is done arrives.
        await foreach (var liveEvent in events)
        {
            await InvokeAsync(async () =>
            {
                if (await OnLiveEventAsync(liveEvent))
                {
                    StateHasChanged();
                }
            });
        }
    }
}
