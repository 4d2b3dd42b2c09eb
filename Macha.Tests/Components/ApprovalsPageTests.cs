using System.Text.Json;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Macha.Core.Analysis.Decisions;
using Macha.Core.Approvals;
using Macha.Tests.Approvals;
using ApprovalsPage = Macha.Web.Components.Pages.Approvals;
using Macha.Web.Security;

namespace Macha.Tests.Components;

public sealed class ApprovalsPageTests : DashboardPageContext
{
    [Fact]
    public void Render_NoApprovals_ShowsEmptyStates()
    {
        var page = Render<ApprovalsPage>();

        page.WaitForAssertion(() => Assert.Contains("Nothing waits for approval", page.Find("[data-test=no-pending]").TextContent, StringComparison.Ordinal));
        Assert.NotNull(page.Find("[data-test=no-past]"));
    }

    [Fact]
    public async Task Render_Pending_ShowsWhatWillRunAndWhy()
    {
        var id = await EnqueueAsync(ApprovalTestData.Request() with { DryRunOutput = "Would restart nginx.service" });
        Time.Advance(TimeSpan.FromHours(1));

        var page = Render<ApprovalsPage>();

        page.WaitForAssertion(() => page.Find($"[data-test=approval-{id}]"));
        var card = page.Find($"[data-test=approval-{id}]");
        var argv = card.QuerySelectorAll("[data-test=argv] code").Select(e => e.TextContent).ToList();
        Assert.Equal(["sudo", "-n", "systemctl", "restart", "nginx.service"], argv);
        Assert.Contains("Low risk", card.QuerySelector("[data-test=risk]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("nginx.service failed", card.QuerySelector("[data-test=reason]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("configuration reload", card.QuerySelector("[data-test=diagnosis]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("Would restart nginx.service", card.QuerySelector("[data-test=dry-run]")!.TextContent);
        Assert.Contains("in 23 h 0 min", card.QuerySelector("[data-test=expiry]")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_NoDryRun_SaysSo()
    {
        var id = await EnqueueAsync(ApprovalTestData.Request());

        var page = Render<ApprovalsPage>();

        page.WaitForAssertion(() => Assert.NotNull(page.Find($"[data-test=approval-{id}] [data-test=no-dry-run]")));
    }

    [Fact]
    public void RenderById_UnknownId_ShowsNotFound()
    {
        var page = Render<ApprovalsPage>(parameters => parameters.Add(p => p.Id, Guid.NewGuid()));

        page.WaitForAssertion(() => Assert.Contains("No approval with id", page.Find("[data-test=not-found]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RenderById_Decided_ShowsHistoryAndNoButtons()
    {
        var id = await EnqueueAsync(ApprovalTestData.Request());
        await Harness.Get<ApprovalQueue>().RejectAsync(id, "bob", "not now");

        var page = Render<ApprovalsPage>(parameters => parameters.Add(p => p.Id, id));

        page.WaitForAssertion(() => Assert.Contains("not now", page.Find("[data-test=history]").TextContent, StringComparison.Ordinal));
        Assert.Empty(page.FindAll($"[data-test=approval-{id}] [data-test=approve]"));
        Assert.Contains("Rejected", page.Find("[data-test=past]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reject_WithComment_StoresTheDecision()
    {
        var id = await EnqueueAsync(ApprovalTestData.Request());
        var page = Render<ApprovalsPage>(parameters => parameters.Add(p => p.Id, id));
        page.WaitForAssertion(() => page.Find("[data-test=reject]"));

        page.Find("[data-test=comment]").Change("wait for the deploy");
        page.Find("[data-test=reject]").Click();

        page.WaitForAssertion(() => Assert.Contains("Rejected", page.Find($"[data-test=approval-{id}] [data-test=approval-state]").TextContent, StringComparison.Ordinal));
        var stored = await Harness.Get<ApprovalQueue>().GetAsync(id);
        Assert.Equal(ApprovalState.Rejected, stored?.State);
        Assert.Equal("alice", stored?.DecidedBy);
        var transitions = await Harness.Get<ApprovalQueue>().GetTransitionsAsync(id);
        Assert.Equal("wait for the deploy", transitions[^1].Comment);
    }

    [Fact]
    public async Task Approve_LowRisk_RunsWithOneClick()
    {
        var id = await EnqueueRestartAsync();
        var page = Render<ApprovalsPage>(parameters => parameters.Add(p => p.Id, id));
        page.WaitForAssertion(() => page.Find("[data-test=approve]"));

        page.Find("[data-test=approve]").Click();

        page.WaitForAssertion(() => Assert.DoesNotContain("Pending", page.Find($"[data-test=approval-{id}] [data-test=approval-state]").TextContent, StringComparison.Ordinal));
        var stored = await Harness.Get<ApprovalQueue>().GetAsync(id);
        Assert.NotEqual(ApprovalState.Pending, stored?.State);
        Assert.Equal("alice", stored?.DecidedBy);
        Assert.Empty(page.FindAll("[data-test=confirm-high-risk]"));
    }

    [Fact]
    public async Task Approve_HighRisk_AsksForConfirmationFirst()
    {
        var id = await EnqueueAsync(ApprovalTestData.Request("nixos:test-host") with { Risk = "High" });
        var page = Render<ApprovalsPage>(parameters => parameters.Add(p => p.Id, id));
        page.WaitForAssertion(() => page.Find("[data-test=approve]"));

        page.Find("[data-test=approve]").Click();

        page.WaitForAssertion(() => page.Find("[data-test=confirm-high-risk]"));
        Assert.Equal(ApprovalState.Pending, (await Harness.Get<ApprovalQueue>().GetAsync(id))?.State);

        page.Find("[data-test=cancel]").Click();

        page.WaitForAssertion(() => page.Find("[data-test=approve]"));
        Assert.Equal(ApprovalState.Pending, (await Harness.Get<ApprovalQueue>().GetAsync(id))?.State);

        page.Find("[data-test=approve]").Click();
        page.WaitForAssertion(() => page.Find("[data-test=confirm]"));
        page.Find("[data-test=confirm]").Click();

        page.WaitForAssertion(() => Assert.Contains(
            ApprovalState.Approved,
            Harness.Get<ApprovalQueue>().GetTransitionsAsync(id).GetAwaiter().GetResult().Select(t => t.To)));
    }

    [Fact]
    public async Task Buttons_Always_NameTheActionAndHost()
    {
        var id = await EnqueueAsync(ApprovalTestData.Request("nixos:test-host") with { Risk = "High" });
        var page = Render<ApprovalsPage>(parameters => parameters.Add(p => p.Id, id));
        page.WaitForAssertion(() => page.Find("[data-test=approve]"));

        Assert.Equal("Approve restart-unit on test-host", page.Find("[data-test=approve]").GetAttribute("aria-label"));
        Assert.Equal("Reject restart-unit on test-host", page.Find("[data-test=reject]").GetAttribute("aria-label"));
        Assert.Equal("polite", page.Find($"[data-test=approval-{id}] .chips").GetAttribute("aria-live"));

        page.Find("[data-test=approve]").Click();

        page.WaitForAssertion(() => page.Find("[data-test=confirmation]"));
        var confirmation = page.Find("[data-test=confirmation]");
        Assert.Equal("alertdialog", confirmation.GetAttribute("role"));
        Assert.Equal("Run this high-risk action?", page.Find($"#{confirmation.GetAttribute("aria-labelledby")}").TextContent);
        Assert.Contains("changes the whole host", page.Find($"#{confirmation.GetAttribute("aria-describedby")}").TextContent, StringComparison.Ordinal);
        Assert.Equal("Yes, run restart-unit on test-host", page.Find("[data-test=confirm]").GetAttribute("aria-label"));
        Assert.Equal("Cancel, do not run restart-unit on test-host", page.Find("[data-test=cancel]").GetAttribute("aria-label"));
    }

    [Fact]
    public async Task Confirmation_OpenAndEscape_MovesFocus()
    {
        var id = await EnqueueAsync(ApprovalTestData.Request("nixos:test-host") with { Risk = "High" });
        var page = Render<ApprovalsPage>(parameters => parameters.Add(p => p.Id, id));
        page.WaitForAssertion(() => page.Find("[data-test=approve]"));

        page.Find("[data-test=approve]").Click();

        page.WaitForAssertion(() => Assert.Equal(ElementReferenceOf(page.Find("[data-test=cancel]")), LastFocusedElement()));

        page.Find("[data-test=confirmation]").KeyDown(new KeyboardEventArgs { Key = "Escape" });

        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-test=confirmation]")));
        page.WaitForAssertion(() => Assert.Equal(ElementReferenceOf(page.Find("[data-test=approve]")), LastFocusedElement()));
        Assert.Equal(ApprovalState.Pending, (await Harness.Get<ApprovalQueue>().GetAsync(id))?.State);
    }

    /// <summary>The id bUnit gives the element that a component captured with @ref.</summary>
    private static string? ElementReferenceOf(AngleSharp.Dom.IElement element) => element.GetAttribute("blazor:elementReference");

    /// <summary>The element of the last FocusAsync call, by its reference id.</summary>
    private string? LastFocusedElement() =>
        JSInterop.Invocations.Where(i => i.Identifier == "Blazor._internal.domWrapper.focus").Select(i => ((ElementReference)i.Arguments[0]!).Id).LastOrDefault();

    [Fact]
    public async Task Render_ReadOnlyUser_ShowsNoButtons()
    {
        SignIn("viewer", MachaPolicies.Read);
        var id = await EnqueueAsync(ApprovalTestData.Request());

        var page = Render<ApprovalsPage>();

        page.WaitForAssertion(() => page.Find($"[data-test=approval-{id}] [data-test=read-only]"));
        Assert.Empty(page.FindAll("[data-test=approve]"));
        Assert.Empty(page.FindAll("[data-test=reject]"));
    }

    [Fact]
    public async Task LiveUpdate_NewApproval_AppearsWithoutReload()
    {
        var page = Render<ApprovalsPage>();
        page.WaitForAssertion(() => page.Find("[data-test=no-pending]"));

        var id = await EnqueueAsync(ApprovalTestData.Request());

        page.WaitForAssertion(() => page.Find($"[data-test=approval-{id}]"));
    }

    [Fact]
    public async Task LiveUpdate_DecidedElsewhere_MovesToPastDecisions()
    {
        var id = await EnqueueAsync(ApprovalTestData.Request());
        var page = Render<ApprovalsPage>();
        page.WaitForAssertion(() => page.Find($"[data-test=approval-{id}]"));

        await Harness.Get<ApprovalQueue>().RejectAsync(id, "bob");

        page.WaitForAssertion(() => page.Find("[data-test=no-pending]"));
        Assert.Contains("bob", page.Find("[data-test=past]").TextContent, StringComparison.Ordinal);
    }

    private async Task<Guid> EnqueueAsync(ApprovalRequest request) =>
        (await Harness.Get<ApprovalQueue>().EnqueueAsync(request)).Approval.Id;

    private Task<Guid> EnqueueRestartAsync() => EnqueueAsync(ApprovalTestData.Request() with
    {
        Argv = ["sudo", "-n", "systemctl", "restart", "--", "nginx.service"],
        ProposalJson = JsonSerializer.Serialize(new ProposedAction
        {
            Kind = ActionKinds.RestartUnit,
            Unit = "nginx.service",
            Reason = "nginx.service failed.",
            ExpectedEffect = "nginx.service is active again.",
            Undo = "None needed.",
        }),
    });
}
