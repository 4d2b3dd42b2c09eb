using Macha.Core.Approvals;
using Macha.Core.Cycle;
using Macha.Core.Dependencies;
using Macha.Core.Events;
using Macha.Core.Storage;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Macha.Web.Components.Controls;

public sealed partial class StatusPanel
{
    private const int PreviewCount = 5;

    private IReadOnlyList<DependencyStatus>? _dependencies;
    private int? _pendingCount;
    private IReadOnlyList<ApprovalRecord> _pendingPreview = [];
    private IReadOnlyList<HostGlance> _hosts = [];

    [Inject]
    private DependencyStatusService Dependencies { get; set; } = default!;

    [Inject]
    private ApprovalQueue Approvals { get; set; } = default!;

    [Inject]
    private HealthQueries Queries { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        await LoadApprovalsAsync();
        await LoadHostsAsync();

        // Last, because a dependency check can take seconds, and the rest of the panel renders meanwhile.
        StateHasChanged();
        await LoadDependenciesAsync();
    }

    protected override async Task<bool> OnLiveEventAsync(object liveEvent)
    {
        switch (liveEvent)
        {
            case ApprovalChanged:
                await LoadApprovalsAsync();
                return true;
            case CycleFinished:
                await LoadHostsAsync();
                await LoadDependenciesAsync();
                return true;
            default:
                return false;
        }
    }

    internal static string StateText(DependencyState state) => state switch
    {
        DependencyState.Ok => "ok",
        DependencyState.Degraded => "degraded",
        DependencyState.Down => "down",
        _ => "not configured",
    };

    private static Color ColorOf(DependencyState state) => state switch
    {
        DependencyState.Ok => Color.Success,
        DependencyState.Degraded => Color.Warning,
        DependencyState.Down => Color.Error,
        _ => Color.Default,
    };

    private static string DisplayName(string name) => name switch
    {
        DependencyNames.Ollama => "Ollama",
        DependencyNames.ChromaDb => "ChromaDB",
        DependencyNames.Gotify => "Gotify",
        DependencyNames.Hosts => "Hosts",
        _ => name,
    };

    private async Task LoadApprovalsAsync()
    {
        try
        {
            var page = await Approvals.ListAsync(ApprovalState.Pending, 1, PreviewCount, Disposing);
            _pendingCount = page.TotalCount;
            _pendingPreview = page.Items;
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            // The Overview's own error state reports an unreadable database; the count stays unknown.
            _pendingCount = null;
        }
    }

    private async Task LoadHostsAsync()
    {
        try
        {
            var snapshots = await Queries.GetLatestSnapshotsAsync(Disposing);
            var incidents = await Queries.ListIncidentsAsync(null, null, HealthQueries.MaxLimit, Disposing);
            _hosts = snapshots.Select(s => HostGlance.Of(s.HostName, incidents.Where(i => i.HostName == s.HostName).Select(i => i.Severity).ToList())).ToList();
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            _hosts = [];
        }
    }

    private async Task LoadDependenciesAsync() =>
        _dependencies = await Dependencies.GetAllAsync(Disposing);

    /// <summary>A host as one chip: coloured by its worst open incident.</summary>
    private sealed record HostGlance(string Name, string Text, Color Color)
    {
        public static HostGlance Of(string name, List<string> severities) => severities switch
        {
            [] => new HostGlance(name, "healthy", Color.Success),
            _ when severities.Contains("Critical") => new HostGlance(name, $"{severities.Count} open", Color.Error),
            _ when severities.Contains("Warning") => new HostGlance(name, $"{severities.Count} open", Color.Warning),
            _ => new HostGlance(name, $"{severities.Count} open", Color.Info),
        };
    }
}
