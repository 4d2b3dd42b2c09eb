using Macha.Core.Actions.Autonomy;
using Macha.Web.Security;
using Microsoft.AspNetCore.Components;

namespace Macha.Web.Components.Controls;

public sealed partial class AutonomyControl : IAsyncDisposable
{
    private readonly CancellationTokenSource _disposal = new();
    private Task? _pump;
    private AutonomyState? _state;
    private string? _reason;
    private string? _error;
    private bool _busy;

    [Inject]
    private AutonomySwitch Switch { get; set; } = default!;

    [Inject]
    private AutonomyEvents Events { get; set; } = default!;

    [Inject]
    private OperatorAccess Access { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        // Subscribe before reading, so a pause from the API or another browser in between is not missed.
        _pump = PumpAsync(_disposal.Token);
        await LoadAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _disposal.CancelAsync();
        if (_pump is not null)
        {
            try
            {
                await _pump;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _disposal.Dispose();
    }

    private async Task LoadAsync()
    {
        try
        {
            _state = await Switch.GetStateAsync(_disposal.Token);
            _error = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _error = $"Could not read the autonomy switch: {ex.Message}";
        }
    }

    private Task PauseAsync() => ChangeAsync((actor, token) => Switch.PauseAsync(actor, _reason, token), "pause");

    private Task ResumeAsync() => ChangeAsync(Switch.ResumeAsync, "resume");

    private async Task ChangeAsync(Func<string, CancellationToken, Task<AutonomyChangeResult>> change, string verb)
    {
        _busy = true;
        _error = null;
        try
        {
            var access = await Access.CheckAsync();
            if (!access.IsAllowed)
            {
                _error = $"Could not {verb} autonomy: {access.DenialReason}";
                return;
            }

            _state = (await change(access.Actor, _disposal.Token)).State;
            _reason = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _error = $"Could not {verb} autonomy: {ex.Message}";
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        // There is no yield before the loop, so its first step runs synchronously inside
        // OnInitializedAsync and registers the subscription before LoadAsync reads the state.
        await foreach (var change in Events.SubscribeAsync(cancellationToken))
        {
            await InvokeAsync(() =>
            {
                _state = change.State;
                StateHasChanged();
            });
        }
    }
}
