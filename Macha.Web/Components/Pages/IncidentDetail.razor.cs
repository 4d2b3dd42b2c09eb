using Macha.Core.Analysis;
using Macha.Core.Approvals;
using Macha.Core.Cycle;
using Macha.Core.Events;
using Macha.Core.Incidents;
using Macha.Core.Storage;
using Macha.Core.Storage.Audit;
using Microsoft.AspNetCore.Components;

namespace Macha.Web.Components.Pages;

public sealed partial class IncidentDetail
{
    private const int FindingCount = 20;
    private const int ActionLineCount = 100;

    private bool _loading = true;
    private string? _loadError;
    private IncidentRecord? _incident;
    private IReadOnlyList<FindingRecord> _findings = [];
    private IReadOnlyList<AnalysisRecord> _analyses = [];
    private IReadOnlyList<ApprovalRecord> _approvals = [];
    private IReadOnlyList<AuditRecord> _actions = [];
    private DateTimeOffset _now;

    [Parameter]
    public Guid Id { get; set; }

    /// <summary>The HTTP request while the page is prerendered, and null in the interactive circuit.</summary>
    [CascadingParameter]
    private HttpContext? HttpContext { get; set; }

    [Inject]
    private HealthQueries HealthQueries { get; set; } = default!;

    [Inject]
    private DashboardQueries Queries { get; set; } = default!;

    [Inject]
    private IAuditLog Audit { get; set; } = default!;

    [Inject]
    private TimeProvider TimeProvider { get; set; } = default!;

    protected override Task OnParametersSetAsync() => LoadAsync();

    protected override async Task<bool> OnLiveEventAsync(object liveEvent)
    {
        var relevant = liveEvent switch
        {
            HostFinished finished => finished.IncidentChanges.Any(c => c.IncidentId == Id),
            AnalysisChanged analysis => analysis.IncidentId == Id,
            ApprovalChanged => true,
            AuditAppended appended => appended.File == AuditFile.Actions,
            _ => false,
        };
        if (relevant)
        {
            await LoadAsync();
        }

        return relevant;
    }

    private async Task LoadAsync()
    {
        _loadError = null;
        try
        {
            var token = Disposing;
            _now = TimeProvider.GetUtcNow();
            _incident = await HealthQueries.GetIncidentAsync(Id, token);
            if (_incident is null)
            {
                NotFoundResponse.Send(HttpContext);
            }
            else
            {
                _findings = await Queries.ListFindingsOfAsync(_incident.Fingerprint, FindingCount, token);
                _analyses = await Queries.ListAnalysesOfAsync(Id, token);
                _approvals = await Queries.ListApprovalsOfAsync(Id, token);
                _actions = await AuditReader.ReadAsync(Audit.GetPath(AuditFile.Actions), new AuditQuery { IncidentId = Id, Limit = ActionLineCount }, token);
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

    private static IReadOnlyList<string> SafeArgv(ApprovalRecord approval)
    {
        try
        {
            return approval.ReadArgv();
        }
        catch (System.Text.Json.JsonException)
        {
            return ["(unreadable)"];
        }
    }
}
