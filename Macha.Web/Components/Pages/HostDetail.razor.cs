using Macha.Core.Cycle;
using Macha.Core.Hosts;
using Macha.Core.Incidents;
using Macha.Core.Monitoring;
using Macha.Core.Storage;
using Macha.Web.Components.Controls;
using Microsoft.AspNetCore.Components;

namespace Macha.Web.Components.Pages;

public sealed partial class HostDetail
{
    internal const string SevenDays = "7d";

    // 24 hours at five-minute checks is 288 points; 7 days is averaged into 30-minute buckets.
    private const int DayPoints = 288;
    private const int WeekPoints = 336;
    private const int IncidentCount = 100;

    private bool _loading = true;
    private string? _loadError;
    private bool _unknown;
    private HostRecord? _host;
    private HostSnapshot? _snapshot;
    private IReadOnlyList<FindingRecord> _findings = [];
    private IReadOnlyList<IncidentRecord> _incidents = [];
    private IReadOnlyList<MetricPoint> _points = [];
    private DateTimeOffset _now;
    private DateTimeOffset _from;
    private DateTimeOffset _to;
    private TimeSpan _maxGap;

    [Parameter]
    public string Name { get; set; } = "";

    /// <summary>The chart range from the query string: "7d", or 24 hours when absent.</summary>
    [SupplyParameterFromQuery]
    public string? Range { get; set; }

    /// <summary>The HTTP request while the page is prerendered, and null in the interactive circuit.</summary>
    [CascadingParameter]
    private HttpContext? HttpContext { get; set; }

    [Inject]
    private HostRegistry Registry { get; set; } = default!;

    [Inject]
    private HealthQueries HealthQueries { get; set; } = default!;

    [Inject]
    private DashboardQueries Queries { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private TimeProvider TimeProvider { get; set; } = default!;

    protected override Task OnParametersSetAsync() => LoadAsync();

    protected override async Task<bool> OnLiveEventAsync(object liveEvent)
    {
        if (liveEvent is not HostFinished finished || finished.HostName != Name)
        {
            return false;
        }

        await LoadAsync();
        return true;
    }

    private async Task LoadAsync()
    {
        _loadError = null;
        try
        {
            var token = Disposing;
            _now = TimeProvider.GetUtcNow();
            var week = Range == SevenDays;
            _to = _now;
            _from = _now - (week ? TimeSpan.FromDays(7) : TimeSpan.FromHours(24));
            var points = week ? WeekPoints : DayPoints;

            // A line breaks where more than three buckets, or three check intervals, have no data.
            _maxGap = TimeSpan.FromTicks(Math.Max((_to - _from).Ticks / points * 3, TimeSpan.FromMinutes(16).Ticks));
            _host = Registry.Find(Name);
            _points = await Queries.GetMetricSeriesAsync(Name, _from, _to, points, token);
            var latest = await HealthQueries.ListSnapshotsAsync(Name, 1, token);
            _snapshot = latest.Count == 0 ? null : latest[0];
            _findings = _snapshot is null ? [] : await HealthQueries.ListFindingsAsync(Name, null, HealthQueries.MaxLimit, token);
            _incidents = await Queries.SearchIncidentsAsync(new IncidentSearch(HostName: Name), IncidentCount, token);

            // A host removed from the inventory keeps its page while its history is stored.
            _unknown = _host is null && _snapshot is null && _points.Count == 0 && _incidents.Count == 0;
            if (_unknown)
            {
                NotFoundResponse.Send(HttpContext);
            }
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

    private List<ChartPoint> Series(Func<MetricPoint, double?> value) =>
        _points.Select(p => new ChartPoint(p.At, value(p))).ToList();

    private void SetRange(string? range) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("range", range));
}
