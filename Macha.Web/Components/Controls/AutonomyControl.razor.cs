using Macha.Core.Actions.Autonomy;
using Microsoft.AspNetCore.Components;

namespace Macha.Web.Components.Controls;

public sealed partial class AutonomyControl : IAsyncDisposable
{
    // NOTE: the dashboard has no sign-in yet, so every pause made here is recorded as this actor.
    private const string DashboardActor = "dashboard";

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

    private Task PauseAsync() => ChangeAsync(token => Switch.PauseAsync(DashboardActor, _reason, token), "pause");

    private Task ResumeAsync() => ChangeAsync(token => Switch.ResumeAsync(DashboardActor, token), "resume");

    private async Task ChangeAsync(Func<CancellationToken, Task<AutonomyChangeResult>> change, string verb)
    {
        _busy = true;
        _error = null;
        try
        {
            _state = (await change(_disposal.Token)).State;
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
        await Task.Yield();
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
