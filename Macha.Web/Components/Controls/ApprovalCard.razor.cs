using Macha.Core.Approvals;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace Macha.Web.Components.Controls;

/// <summary>A person's decision on one approval, with the optional comment.</summary>
public sealed record ApprovalDecision(Guid ApprovalId, bool Approve, string? Comment);

public sealed partial class ApprovalCard
{
    /// <summary>Longest comment kept with a decision, the same limit as the API's.</summary>
    public const int CommentMaxLength = 2000;

    private string? _comment;
    private bool _confirming;
    private MudButton? _approveButton;
    private MudButton? _cancelButton;
    private bool _focusCancelAfterRender;
    private bool _focusApproveAfterRender;

    [Parameter, EditorRequired]
    public ApprovalRecord Approval { get; set; } = default!;

    /// <summary>When a pending approval expires: its creation plus Macha:Approvals:TimeToLive.</summary>
    [Parameter, EditorRequired]
    public DateTimeOffset Expiry { get; set; }

    [Parameter, EditorRequired]
    public DateTimeOffset Now { get; set; }

    /// <summary>Whether the user has the operate permission; without it no buttons are shown.</summary>
    [Parameter, EditorRequired]
    public bool CanOperate { get; set; }

    [Parameter, EditorRequired]
    public EventCallback<ApprovalDecision> OnDecide { get; set; }

    /// <summary>True while a decision on this approval runs; the buttons are disabled.</summary>
    [Parameter]
    public bool Busy { get; set; }

    [Parameter]
    public string? Error { get; set; }

    /// <summary>True for the approval opened by its address, which is highlighted and shows no link to itself.</summary>
    [Parameter]
    public bool Selected { get; set; }

    [Parameter]
    public IReadOnlyList<ApprovalTransition> Transitions { get; set; } = [];

    /// <summary>High-risk actions take a second click, on a confirmation that states what is at stake.</summary>
    internal static bool NeedsConfirmation(string risk) =>
        string.Equals(risk, "High", StringComparison.OrdinalIgnoreCase);

    private IReadOnlyList<string> Argv
    {
        get
        {
            try
            {
                return Approval.ReadArgv();
            }
            catch (System.Text.Json.JsonException)
            {
                return ["(the stored command is unreadable; approving it fails safely)"];
            }
        }
    }

    private string ConfirmTitleId => $"confirm-title-{Approval.Id}";

    private string ConfirmTextId => $"confirm-text-{Approval.Id}";

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // The buttons exist only after the render that shows them, so focus moves here.
        MudButton? target = null;
        if (_focusCancelAfterRender)
        {
            target = _cancelButton;
        }
        else if (_focusApproveAfterRender)
        {
            target = _approveButton;
        }

        _focusCancelAfterRender = false;
        _focusApproveAfterRender = false;
        if (target is not null)
        {
            await target.FocusAsync();
        }
    }

    private async Task ApproveClickedAsync()
    {
        if (NeedsConfirmation(Approval.Risk))
        {
            _confirming = true;
            _focusCancelAfterRender = true;
            return;
        }

        await DecideAsync(true);
    }

    private void CancelConfirmation()
    {
        _confirming = false;
        _focusApproveAfterRender = true;
    }

    private void OnConfirmationKeyDown(KeyboardEventArgs e)
    {
        if (e.Key == "Escape" && !Busy)
        {
            CancelConfirmation();
        }
    }

    private async Task DecideAsync(bool approve)
    {
        _confirming = false;
        await OnDecide.InvokeAsync(new ApprovalDecision(Approval.Id, approve, _comment));
    }
}
