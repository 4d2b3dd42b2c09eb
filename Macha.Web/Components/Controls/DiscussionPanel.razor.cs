using System.Text.Json;
using Macha.Core.Analysis;
using Macha.Core.Discussions;
using Macha.Core.Events;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace Macha.Web.Components.Controls;

public sealed partial class DiscussionPanel
{
    private IReadOnlyList<DiscussionMessage>? _messages;
    private string? _loadError;
    private string? _askError;
    private string? _question;
    private bool _asking;
    private bool _canOperate;

    [Parameter, EditorRequired]
    public DiscussionSubject Subject { get; set; }

    [Parameter, EditorRequired]
    public Guid SubjectId { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    [Inject]
    private DiscussionService Discussions { get; set; } = default!;

    private bool CanOperate => _canOperate;

    protected override async Task OnInitializedAsync()
    {
        _canOperate = AuthenticationState is not null && DashboardUser.CanOperate((await AuthenticationState).User);
        await LoadAsync();
    }

    protected override Task<bool> OnLiveEventAsync(object liveEvent) =>
        liveEvent is DiscussionChanged changed && changed.Subject == Subject && changed.SubjectId == SubjectId && !_asking
            ? ReloadAsync()
            : Task.FromResult(false);

    private async Task<bool> ReloadAsync()
    {
        await LoadAsync();
        return true;
    }

    private async Task LoadAsync()
    {
        _loadError = null;
        try
        {
            _messages = await Discussions.ListAsync(Subject, SubjectId, Disposing) ?? [];
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loadError = ex.Message;
        }
    }

    private async Task AskAsync()
    {
        if (string.IsNullOrWhiteSpace(_question) || AuthenticationState is null)
        {
            return;
        }

        var user = (await AuthenticationState).User;
        if (!DashboardUser.CanOperate(user))
        {
            _askError = "Asking the model needs the operate permission.";
            return;
        }

        _asking = true;
        _askError = null;
        try
        {
            var result = await Discussions.AskAsync(Subject, SubjectId, DashboardUser.ActorOf(user), _question, Disposing);
            if (result.Status == DiscussionReplyStatus.Replied)
            {
                // Kept in the box on failure, so the person can ask again without retyping.
                _question = null;
            }
            else
            {
                _askError = result.Error;
            }
        }
        finally
        {
            _asking = false;
        }

        await LoadAsync();
    }

    private static string ToolCallSummary(DiscussionMessage message)
    {
        if (message.Role != DiscussionRole.Assistant)
        {
            return "";
        }

        try
        {
            var calls = JsonSerializer.Deserialize<List<ToolCallRecord>>(message.ToolCallsJson) ?? [];
            return calls.Count == 0 ? "" : " · tools: " + string.Join(", ", calls.Select(c => c.Tool));
        }
        catch (JsonException)
        {
            return "";
        }
    }
}
