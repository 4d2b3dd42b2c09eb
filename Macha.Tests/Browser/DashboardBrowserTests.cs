using System.Text.Json;
using Macha.Core.Analysis.Decisions;
using Macha.Core.Approvals;
using Macha.Core.Hosts;
using Macha.Tests.Approvals;
using Macha.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Playwright;

namespace Macha.Tests.Browser;

/// <summary>
/// The dashboard in Debian's chromium against the whole app served by Kestrel on 127.0.0.1. Actions
/// run on a replayed host, "web-1", beside the machine the tests run on, so approving changes nothing here.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardBrowserTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string ReplayHost = "web-1";
    private const string RestartLine = "sudo -n systemctl restart -- nginx.service";
    private const string IsActiveLine = "systemctl is-active -- nginx.service";

    private static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };
    private static readonly ViewportSize Desktop = new() { Width = 1280, Height = 900 };

    private readonly BrowserFixture _browser;
    private readonly ReplayShell _replay = new ReplayShell(ReplayHost)
        .WithCommand(RestartLine, "")
        .WithCommand(IsActiveLine, "active\n");

    private MachaWebFactory _factory = default!;
    private Uri _baseUri = default!;

    public DashboardBrowserTests(BrowserFixture browser)
    {
        _browser = browser;
    }

    public Task InitializeAsync()
    {
        _factory = new MachaWebFactory()
            .WithSetting("Macha:Actions:RestartSettleTime", "00:00:00")
            .WithServices(services =>
            {
                services.RemoveAll<IHostInventory>();
                services.AddSingleton<IHostInventory>(provider => new FixedInventory([provider.GetRequiredService<LocalProcessShell>(), _replay]));
            });
        _baseUri = _factory.StartOnLoopback();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Approve_PhoneViewport_RunsTheActionAndShowsTheOutcome()
    {
        var id = await EnqueueRestartAsync();
        var page = await OpenAsync($"/approvals/{id}", Phone);
        var card = page.Locator($"[data-test=approval-{id}]").First;

        await card.GetByLabel("Comment (optional)").FillAsync("nginx is down, go ahead");
        await card.Locator("[data-test=approve]").ClickAsync();

        await Assertions.Expect(card.Locator("[data-test=approval-state]")).ToHaveTextAsync("Succeeded");
        var stored = await _factory.Services.GetRequiredService<ApprovalQueue>().GetAsync(id);
        Assert.Equal(ApprovalState.Succeeded, stored?.State);
        Assert.Equal("local", stored?.DecidedBy);
        Assert.Equal([RestartLine, IsActiveLine], ActionCommandsRun());
        var transitions = await _factory.Services.GetRequiredService<ApprovalQueue>().GetTransitionsAsync(id);
        Assert.Equal("nginx is down, go ahead", transitions.Single(t => t.To == ApprovalState.Approved).Comment);
        Assert.Equal(Phone.Width, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));
        await ScreenshotAsync(page, "approval-decided-390");
    }

    [Fact]
    public async Task Approve_HighRisk_NeedsTheConfirmationStep()
    {
        var id = await EnqueueHighRiskAsync();
        var page = await OpenAsync($"/approvals/{id}", Phone);
        var card = page.Locator($"[data-test=approval-{id}]").First;

        await card.Locator("[data-test=approve]").ClickAsync();

        await Assertions.Expect(card.Locator("[data-test=confirm-high-risk]")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "approval-high-risk-confirm-390");
        var queue = _factory.Services.GetRequiredService<ApprovalQueue>();
        Assert.Equal(ApprovalState.Pending, (await queue.GetAsync(id))?.State);

        await card.Locator("[data-test=confirm]").ClickAsync();

        await Assertions.Expect(card.Locator("[data-test=approval-state]")).Not.ToHaveTextAsync("Pending");
        var stored = await queue.GetAsync(id);
        Assert.NotEqual(ApprovalState.Pending, stored?.State);
        Assert.Equal("local", stored?.DecidedBy);
        Assert.Contains(await queue.GetTransitionsAsync(id), t => t.To == ApprovalState.Approved);
    }

    [Fact]
    public async Task Approve_KeyboardOnlyOnPhone_ConfirmsWithFocusMoves()
    {
        var id = await EnqueueHighRiskAsync();
        var page = await OpenAsync($"/approvals/{id}", Phone);
        var card = page.Locator($"[data-test=approval-{id}]").First;
        var approve = card.GetByRole(AriaRole.Button, new() { Name = $"Approve nixos-switch on {ReplayHost}", Exact = true });
        var cancel = card.GetByRole(AriaRole.Button, new() { Name = $"Cancel, do not run nixos-switch on {ReplayHost}", Exact = true });
        var confirm = card.GetByRole(AriaRole.Button, new() { Name = $"Yes, run nixos-switch on {ReplayHost}", Exact = true });

        await card.GetByLabel("Comment (optional)").FocusAsync();
        await page.Keyboard.TypeAsync("checked the flake");
        await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(approve).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");

        await Assertions.Expect(card.GetByRole(AriaRole.Alertdialog, new() { Name = "Run this high-risk action?" })).ToBeVisibleAsync();
        await Assertions.Expect(cancel).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(card.Locator("[data-test=confirmation]")).ToHaveCountAsync(0);
        await Assertions.Expect(approve).ToBeFocusedAsync();
        var queue = _factory.Services.GetRequiredService<ApprovalQueue>();
        Assert.Equal(ApprovalState.Pending, (await queue.GetAsync(id))?.State);

        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(cancel).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Shift+Tab");
        await Assertions.Expect(confirm).ToBeFocusedAsync();
        await ScreenshotAsync(page, "approval-keyboard-confirm-390");
        await page.Keyboard.PressAsync("Enter");

        await Assertions.Expect(card.Locator("[data-test=approval-state]")).Not.ToHaveTextAsync("Pending");
        var approved = (await queue.GetTransitionsAsync(id)).Single(t => t.To == ApprovalState.Approved);
        Assert.Equal("checked the flake", approved.Comment);
        Assert.Equal("local", approved.Actor);
    }

    [Fact]
    public async Task Reject_Desktop_RecordsTheRejection()
    {
        var id = await EnqueueRestartAsync();
        var page = await OpenAsync("/approvals", Desktop);
        var card = page.Locator($"[data-test=approval-{id}]").First;

        await card.Locator("[data-test=reject]").ClickAsync();

        await Assertions.Expect(page.Locator("[data-test=no-pending]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-test=past]")).ToContainTextAsync("Rejected");
        var stored = await _factory.Services.GetRequiredService<ApprovalQueue>().GetAsync(id);
        Assert.Equal(ApprovalState.Rejected, stored?.State);
        Assert.Empty(ActionCommandsRun());
    }

    [Fact]
    public async Task ApproveAndReject_OneClickEach_BothInAuditTrail()
    {
        var approvedId = await EnqueueRestartAsync();
        var rejectedId = await EnqueueHighRiskAsync();
        var page = await OpenAsync("/approvals", Desktop);

        await page.Locator($"[data-test=approval-{approvedId}] [data-test=approve]").ClickAsync();
        await Assertions.Expect(page.Locator($"[data-test=approval-{approvedId}]")).ToHaveCountAsync(0);
        await page.Locator($"[data-test=approval-{rejectedId}] [data-test=reject]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-test=no-pending]")).ToBeVisibleAsync();

        var audit = await OpenAsync("/audit/actions?type=approval.", Desktop);
        var lines = audit.Locator("[data-test=audit-line]");
        await Assertions.Expect(lines).ToHaveCountAsync(2);
        var approvedLine = lines.Filter(new() { HasText = "approval.approved" });
        var rejectedLine = lines.Filter(new() { HasText = "approval.rejected" });
        await Assertions.Expect(approvedLine).ToHaveCountAsync(1);
        await Assertions.Expect(rejectedLine).ToHaveCountAsync(1);
        await Assertions.Expect(approvedLine).ToContainTextAsync("local");
        await Assertions.Expect(approvedLine).ToContainTextAsync(ReplayHost);
        await Assertions.Expect(rejectedLine).ToContainTextAsync(ReplayHost);
        await Assertions.Expect(audit.Locator("[data-test=chain-intact]")).ToBeVisibleAsync();
        await ScreenshotAsync(audit, "audit-approved-and-rejected-1280");

        var all = await OpenAsync("/audit/actions", Desktop);
        await Assertions.Expect(all.Locator("[data-test=audit-line]").Filter(new() { HasText = "action.succeeded" })).ToHaveCountAsync(1);
        Assert.Equal(ApprovalState.Succeeded, (await _factory.Services.GetRequiredService<ApprovalQueue>().GetAsync(approvedId))?.State);
        Assert.Equal(ApprovalState.Rejected, (await _factory.Services.GetRequiredService<ApprovalQueue>().GetAsync(rejectedId))?.State);
    }

    [Fact]
    public async Task ApprovalsPage_NewApproval_AppearsWithoutReload()
    {
        var page = await OpenAsync("/approvals", Desktop);
        await Assertions.Expect(page.Locator("[data-test=no-pending]")).ToBeVisibleAsync();
        var navigations = 0;
        page.FrameNavigated += (_, frame) => navigations += frame == page.MainFrame ? 1 : 0;

        var id = await EnqueueRestartAsync();

        await Assertions.Expect(page.Locator($"[data-test=approval-{id}]")).ToBeVisibleAsync();
        Assert.Equal(0, navigations);
    }

    [Fact]
    public async Task Pages_DesktopAndPhone_RenderWithoutHorizontalScroll()
    {
        await EnqueueRestartAsync();
        await EnqueueHighRiskAsync();
        var hostName = _factory.Services.GetRequiredService<LocalProcessShell>().HostName;
        string[] paths = ["/", "/approvals", "/incidents", "/audit/actions", "/audit/decisions", "/settings", $"/hosts/{Uri.EscapeDataString(hostName)}"];

        foreach (var (viewport, label) in new[] { (Desktop, "1280"), (Phone, "390") })
        {
            foreach (var path in paths)
            {
                var page = await OpenAsync(path, viewport);
                await Assertions.Expect(page.Locator("h1").First).ToBeVisibleAsync();
                await ScreenshotAsync(page, $"{Name(path)}-{label}");
                Assert.True(
                    await page.EvaluateAsync<int>("document.documentElement.scrollWidth") <= viewport.Width,
                    $"{path} scrolls sideways at {viewport.Width} pixels.");
                await page.CloseAsync();
            }
        }
    }

    /// <summary>The commands run on the replayed host for nginx, leaving out the start-up cycle's collectors.</summary>
    private List<string> ActionCommandsRun() =>
        _replay.CommandsRun.Where(c => c.Contains("nginx.service", StringComparison.Ordinal)).ToList();

    [Theory]
    [InlineData("/status/999", "Page not found")]
    [InlineData("/nothing-here", "Page not found")]
    [InlineData("/hosts/nope", "Host not found")]
    public async Task Navigate_MissingItemInCircuit_ShowsHttpNotFoundPage(string path, string title)
    {
        var direct = await _browser.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = Desktop });
        var response = await direct.GotoAsync(new Uri(_baseUri, path).ToString());
        var page = await OpenAsync("/hosts", Desktop);
        var documentRequests = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.IsNavigationRequest)
            {
                documentRequests.Add(request.Url);
            }
        };

        // Blazor.navigateTo moves inside the circuit, as a link in the dashboard does, with no HTTP request.
        await page.EvaluateAsync("path => Blazor.navigateTo(path)", path);

        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync(title);
        Assert.Equal(404, response?.Status);
        Assert.Equal(await direct.Locator(".macha-content").InnerTextAsync(), await page.Locator(".macha-content").InnerTextAsync());

        await page.EvaluateAsync("() => Blazor.navigateTo('/hosts')");

        await Assertions.Expect(page.Locator("[data-test=hosts]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("[data-test=circuit]")).ToHaveAttributeAsync("data-interactive", "true");
        Assert.Empty(documentRequests);
    }

    private async Task<IPage> OpenAsync(string path, ViewportSize viewport)
    {
        var page = await _browser.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = viewport });
        await page.GotoAsync(new Uri(_baseUri, path).ToString());

        // Clicks before the circuit connects would land on the prerendered page and do nothing.
        await Assertions.Expect(page.Locator("[data-test=circuit]")).ToHaveAttributeAsync("data-interactive", "true");
        return page;
    }

    private static async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });

    private static string Name(string path) => path switch
    {
        "/" => "overview",
        _ when path.StartsWith("/hosts/", StringComparison.Ordinal) => "host",
        _ => path.Trim('/').Replace('/', '-'),
    };

    private async Task<Guid> EnqueueRestartAsync()
    {
        var proposal = new ProposedAction
        {
            Kind = ActionKinds.RestartUnit,
            Unit = "nginx.service",
            Reason = "nginx.service failed 3 minutes ago.",
            ExpectedEffect = "nginx.service is active again.",
            Undo = "None needed; a restart changes no configuration.",
        };
        var request = ApprovalTestData.Request($"restart-unit:{ReplayHost}:nginx.service") with
        {
            HostName = ReplayHost,
            Argv = ["sudo", "-n", "systemctl", "restart", "--", "nginx.service"],
            ProposalJson = JsonSerializer.Serialize(proposal),
            DryRunOutput = "Would restart nginx.service (active: failed since 12:01:07).",
        };
        return (await _factory.Services.GetRequiredService<ApprovalQueue>().EnqueueAsync(request)).Approval.Id;
    }

    private async Task<Guid> EnqueueHighRiskAsync()
    {
        var proposal = new ProposedAction
        {
            Kind = ActionKinds.RebuildNixos,
            FlakeRef = "/etc/nixos#web-1",
            Reason = "The new generation fixes the failed unit.",
            ExpectedEffect = "web-1 runs the new configuration.",
            Undo = "Roll back to the previous generation.",
        };
        var request = ApprovalTestData.Request($"nixos-switch:{ReplayHost}") with
        {
            HostName = ReplayHost,
            ActionKind = "nixos-switch",
            Risk = "High",
            Argv = ["sudo", "-n", "nixos-rebuild", "switch", "--flake", "/etc/nixos#web-1"],
            ProposalJson = JsonSerializer.Serialize(proposal),
        };
        return (await _factory.Services.GetRequiredService<ApprovalQueue>().EnqueueAsync(request)).Approval.Id;
    }

    private sealed class FixedInventory(IReadOnlyList<IHostShell> hosts) : IHostInventory
    {
        public IReadOnlyList<IHostShell> GetHosts() => hosts;
    }
}
