using Macha.Core.Analysis;
using Macha.Core.Cycle;
using Macha.Core.Incidents;
using Macha.Core.Monitoring;
using Macha.Core.Notifications;
using Macha.Core.Storage;
using Macha.Web.Jobs;
using Macha.Web.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace Macha.Web.Components.Pages;

public sealed partial class Overview : IAsyncDisposable
{
    private const int RecentRunCount = 10;

    private readonly CancellationTokenSource _disposal = new();
    private Task? _pump;

    private bool _loading = true;
    private string? _loadError;
    private string? _startError;
    private bool _starting;
    private IReadOnlyList<HostSnapshot> _snapshots = [];
    private IReadOnlyList<FindingRecord> _findings = [];
    private IReadOnlyList<IncidentRecord> _incidents = [];
    private IReadOnlyDictionary<Guid, AnalysisRecord> _analyses = new Dictionary<Guid, AnalysisRecord>();
    private IReadOnlyList<CycleRunRecord> _runs = [];
    private CycleProgress? _progress;
    private DateTimeOffset _now;
    private NotificationStatus _notificationStatus = default!;
    private bool _sendingTest;
    private string? _testResult;

    [Inject]
    private HealthQueries Queries { get; set; } = default!;

    [Inject]
    private ICycleLauncher Launcher { get; set; } = default!;

    [Inject]
    private CycleEvents Events { get; set; } = default!;

    [Inject]
    private OperatorAccess Access { get; set; } = default!;

    [Inject]
    private TimeProvider TimeProvider { get; set; } = default!;

    [Inject]
    private IModelRequestQueue ModelQueue { get; set; } = default!;

    [Inject]
    private IOptionsMonitor<AnalysisOptions> AnalysisOptions { get; set; } = default!;

    [Inject]
    private INotificationStatusProvider NotificationStatus { get; set; } = default!;

    [Inject]
    private NotificationService Notifier { get; set; } = default!;

    private bool AnalysisEnabled => AnalysisOptions.CurrentValue.Enabled;

    protected override async Task OnInitializedAsync()
    {
        _notificationStatus = NotificationStatus.GetStatus();

        // Subscribe before the first load, so a cycle finishing in between is not missed.
        _pump = PumpEventsAsync(_disposal.Token);
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
        _loadError = null;
        try
        {
            var token = _disposal.Token;
            _snapshots = await Queries.GetLatestSnapshotsAsync(token);
            _findings = await Queries.ListFindingsAsync(null, null, HealthQueries.MaxLimit, token);
            _runs = await Queries.ListCycleRunsAsync(RecentRunCount, token);
            _incidents = await Queries.ListIncidentsAsync(null, null, HealthQueries.MaxLimit, token);
            _analyses = await Queries.GetLatestAnalysesAsync(_incidents.Select(i => i.Id).ToList(), token);
            _now = TimeProvider.GetUtcNow();
            _notificationStatus = NotificationStatus.GetStatus();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loadError = ex.Message;
        }
        finally
        {
            _loading = false;
        }
    }

    private async Task RunCheckNowAsync()
    {
        _starting = true;
        _startError = null;
        try
        {
            var access = await Access.CheckAsync();
            if (!access.IsAllowed)
            {
                _startError = $"Could not start a health cycle: {access.DenialReason}";
                return;
            }

            await Launcher.StartAsync(_disposal.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _startError = $"Could not start a health cycle: {ex.Message}";
        }
        finally
        {
            _starting = false;
        }
    }

    private async Task SendTestNotificationAsync()
    {
        _sendingTest = true;
        _testResult = null;
        try
        {
            var result = await Notifier.SendTestAsync(_disposal.Token);
            _testResult = result.Status == GotifySendStatus.Sent
                ? $"Test notification sent. {result.Detail}"
                : $"Test notification not sent: {result.Detail}";
        }
        finally
        {
            _sendingTest = false;
            _notificationStatus = NotificationStatus.GetStatus();
        }
    }

    private async Task PumpEventsAsync(CancellationToken cancellationToken)
    {
        // There is no yield before the loop, so its first step runs synchronously inside
        // OnInitializedAsync and registers the subscription before the first load starts.
        await foreach (var cycleEvent in Events.SubscribeAsync(cancellationToken))
        {
            await InvokeAsync(async () =>
            {
                await ApplyAsync(cycleEvent);
                StateHasChanged();
            });
        }
    }

    private async Task ApplyAsync(CycleEvent cycleEvent)
    {
        switch (cycleEvent)
        {
            case CycleStarted started:
                _progress = new CycleProgress(started.RunId, started.HostNames.Count * started.CollectorNames.Count);
                break;
            case CollectorFinished finished when _progress?.RunId == finished.RunId:
                _progress = _progress with
                {
                    Finished = _progress.Finished + 1,
                    LastCollector = $"{finished.Status.Name} on {finished.HostName}",
                };
                break;
            case CycleFinished:
                _progress = null;
                await LoadAsync();
                break;
        }
    }

    private AnalysisRecord? AnalysisOf(Guid incidentId) => _analyses.GetValueOrDefault(incidentId);

    private List<FindingRecord> FindingsOf(string hostName) =>
        _findings.Where(f => f.HostName == hostName).ToList();

    private sealed record CycleProgress(Guid RunId, int Expected)
    {
        public int Finished { get; init; }

        public string? LastCollector { get; init; }

        public double Percent => Expected == 0 ? 0 : Math.Min(100, 100.0 * Finished / Expected);
    }
}
