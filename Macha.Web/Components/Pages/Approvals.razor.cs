using Macha.Core.Approvals;
using Macha.Core.Events;
using Macha.Web.Components.Controls;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;

namespace Macha.Web.Components.Pages;

public sealed partial class Approvals
{
    private const int PastCount = 50;

    private readonly HashSet<Guid> _busy = [];
    private readonly Dictionary<Guid, string> _errors = [];
    private bool _loading = true;
    private string? _loadError;
    private bool _canOperate;
    private IReadOnlyList<ApprovalRecord> _pending = [];
    private IReadOnlyList<ApprovalRecord> _past = [];
    private ApprovalRecord? _selected;
    private IReadOnlyList<ApprovalTransition> _transitions = [];
    private DateTimeOffset _now;

    /// <summary>The approval to open, from /approvals/{id}; notifications link there.</summary>
    [Parameter]
    public Guid? Id { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    /// <summary>The HTTP request while the page is prerendered, and null in the interactive circuit.</summary>
    [CascadingParameter]
    private HttpContext? HttpContext { get; set; }

    [Inject]
    private ApprovalQueue Queue { get; set; } = default!;

    [Inject]
    private ApprovalRunner Runner { get; set; } = default!;

    [Inject]
    private IOptionsMonitor<ApprovalOptions> Options { get; set; } = default!;

    [Inject]
    private TimeProvider TimeProvider { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _canOperate = AuthenticationState is not null && DashboardUser.CanOperate((await AuthenticationState).User);
    }

    protected override Task OnParametersSetAsync() => LoadAsync();

    protected override async Task<bool> OnLiveEventAsync(object liveEvent)
    {
        if (liveEvent is not ApprovalChanged)
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
            _pending = (await Queue.ListAsync(ApprovalState.Pending, 1, ApprovalQueue.MaxPageSize, token)).Items;

            // Newest first; past decisions are everything that left Pending.
            var recent = await Queue.ListAsync(null, 1, PastCount + _pending.Count, token);
            _past = recent.Items.Where(a => a.State != ApprovalState.Pending).Take(PastCount).ToList();
            if (Id is { } id)
            {
                _selected = await Queue.GetAsync(id, token);
                if (_selected is null)
                {
                    NotFoundResponse.Send(HttpContext);
                }

                _transitions = _selected is null ? [] : await Queue.GetTransitionsAsync(id, token);
            }
            else
            {
                _selected = null;
                _transitions = [];
            }

            _now = TimeProvider.GetUtcNow();
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

    private DateTimeOffset ExpiryOf(ApprovalRecord approval) => approval.CreatedAt + Options.CurrentValue.TimeToLive;

    private string? ErrorOf(Guid id) => _errors.GetValueOrDefault(id);

    private async Task DecideAsync(ApprovalDecision decision)
    {
        var user = AuthenticationState is null ? null : (await AuthenticationState).User;
        var id = decision.ApprovalId;
        _errors.Remove(id);
        if (!DashboardUser.CanOperate(user))
        {
            _errors[id] = "Approving and rejecting need the operate permission.";
            return;
        }

        _busy.Add(id);
        try
        {
            var actor = DashboardUser.ActorOf(user);
            var comment = string.IsNullOrWhiteSpace(decision.Comment) ? null : decision.Comment.Trim();

            // The action must finish once it started, even when the person closes the page, so the
            // circuit's token is not passed on: the runner already ignores it after the approval step.
            if (decision.Approve)
            {
                var result = await Runner.ApproveAndRunAsync(id, actor, comment, CancellationToken.None);
                if (result.Status != ApprovalRunStatus.Ran)
                {
                    _errors[id] = NotDecided(result.Approval, "approved");
                }
            }
            else
            {
                var result = await Queue.RejectAsync(id, actor, comment, CancellationToken.None);
                if (!result.Changed)
                {
                    _errors[id] = NotDecided(result.Approval, "rejected");
                }
            }
        }
        catch (ArgumentException ex)
        {
            _errors[id] = ex.Message;
        }
        finally
        {
            _busy.Remove(id);
        }

        await LoadAsync();
    }

    private static string NotDecided(ApprovalRecord? current, string verb) => current is null
        ? "This approval no longer exists."
        : $"This approval could not be {verb} because it is {current.State} now; only a pending approval can be decided.";
}
