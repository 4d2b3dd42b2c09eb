using Macha.Core.Analysis;
using Macha.Core.Cycle;
using Macha.Core.Events;
using Macha.Core.Incidents;
using Macha.Core.Storage;
using Microsoft.AspNetCore.Components;

namespace Macha.Web.Components.Pages;

public sealed partial class Incidents
{
    /// <summary>The query value that turns a filter off.</summary>
    internal const string AnyValue = "any";

    /// <summary>The default state filter: open and ongoing incidents, what needs attention now.</summary>
    internal const string ActiveValue = "active";

    private const int Limit = 200;

    private bool _loading = true;
    private string? _loadError;
    private IReadOnlyList<IncidentRecord> _incidents = [];
    private IReadOnlyDictionary<Guid, AnalysisRecord> _analyses = new Dictionary<Guid, AnalysisRecord>();
    private IReadOnlyList<string> _hostNames = [];
    private DateTimeOffset _now;

    [SupplyParameterFromQuery]
    public string? Host { get; set; }

    [SupplyParameterFromQuery]
    public string? Severity { get; set; }

    [SupplyParameterFromQuery]
    public string? State { get; set; }

    [SupplyParameterFromQuery]
    public string? Since { get; set; }

    [Inject]
    private DashboardQueries Queries { get; set; } = default!;

    [Inject]
    private HealthQueries HealthQueries { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private TimeProvider TimeProvider { get; set; } = default!;

    private string StateOrDefault => State ?? ActiveValue;

    private string SinceOrDefault => Since ?? AnyValue;

    protected override Task OnParametersSetAsync() => LoadAsync();

    protected override async Task<bool> OnLiveEventAsync(object liveEvent)
    {
        if (liveEvent is not (HostFinished or AnalysisChanged))
        {
            return false;
        }

        await LoadAsync();
        return true;
    }

    /// <summary>Parses a "changed since" filter value: 1h, 24h or 7d; anything else is no filter.</summary>
    internal static TimeSpan? ParseSince(string? since) => since switch
    {
        "1h" => TimeSpan.FromHours(1),
        "24h" => TimeSpan.FromHours(24),
        "7d" => TimeSpan.FromDays(7),
        _ => null,
    };

    private async Task LoadAsync()
    {
        _loadError = null;
        try
        {
            _now = TimeProvider.GetUtcNow();
            var states = StateFilter();
            var search = new IncidentSearch(
                Filter(Host),
                Filter(Severity),
                states is [var single] ? single : null,
                ParseSince(Since) is { } age ? _now - age : null);
            var found = await Queries.SearchIncidentsAsync(search, Limit, Disposing);
            _incidents = states.Count > 1 ? found.Where(i => states.Contains(i.State)).ToList() : found;
            _analyses = await HealthQueries.GetLatestAnalysesAsync(_incidents.Select(i => i.Id).ToList(), Disposing);
            _hostNames = await Queries.ListHostNamesAsync(Disposing);
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

    /// <summary>The states the State filter selects; empty for any state.</summary>
    private List<IncidentState> StateFilter()
    {
        if (StateOrDefault == ActiveValue)
        {
            return [IncidentState.Open, IncidentState.Ongoing];
        }

        return Enum.TryParse<IncidentState>(StateOrDefault, ignoreCase: true, out var state) && Enum.IsDefined(state) ? [state] : [];
    }

    private static string? Filter(string? value) => string.IsNullOrEmpty(value) || value == AnyValue ? null : value;

    private void NavigateWith(string? host = null, string? severity = null, string? state = null, string? since = null)
    {
        // Filters live in the query string, so a filtered list can be bookmarked and shared.
        var uri = Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>
        {
            ["host"] = Filter(host ?? Host),
            ["severity"] = Filter(severity ?? Severity),
            ["state"] = (state ?? State) is ActiveValue or null ? null : state ?? State,
            ["since"] = Filter(since ?? Since),
        });
        Navigation.NavigateTo(uri);
    }
}
