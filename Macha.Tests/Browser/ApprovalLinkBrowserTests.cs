using System.Text.Json;
using Macha.Core.Analysis.Decisions;
using Macha.Core.Approvals;
using Macha.Core.Hosts;
using Macha.Tests.Approvals;
using Macha.Tests.Fakes;
using Macha.Tests.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Playwright;

namespace Macha.Tests.Browser;

/// <summary>
/// The link in an approval's Gotify message, opened in Debian's chromium. The whole app runs on
/// 127.0.0.1 with Macha:PublicUrl set to its own address and sends to a fake Gotify server, from
/// which the test takes the link exactly as a phone would receive it.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ApprovalLinkBrowserTests : IClassFixture<BrowserFixture>, IAsyncLifetime, IDisposable
{
    private const string ReplayHost = "web-1";
    private const string RestartLine = "sudo -n systemctl restart -- nginx.service";
    private const string IsActiveLine = "systemctl is-active -- nginx.service";

    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);

    private readonly BrowserFixture _browser;
    private readonly TestDataDirectory _tokenDirectory = new();
    private readonly ReplayShell _replay = new ReplayShell(ReplayHost)
        .WithCommand(RestartLine, "")
        .WithCommand(IsActiveLine, "active\n");

    private FakeGotifyServer _gotify = default!;
    private MachaWebFactory _factory = default!;
    private Uri _baseUri = default!;

    public ApprovalLinkBrowserTests(BrowserFixture browser)
    {
        _browser = browser;
    }

    public async Task InitializeAsync()
    {
        _gotify = await FakeGotifyServer.StartAsync();
        _gotify.AddApplicationToken(NotifierHarness.Token);
        var tokenFile = Path.Combine(_tokenDirectory.Path, "gotify-token");
        await File.WriteAllTextAsync(tokenFile, NotifierHarness.Token);

        // PublicUrl must name the port before the app starts, so the port is chosen here.
        var port = LoopbackPort.FindUnused();
        _factory = new MachaWebFactory()
            .WithSetting("Macha:Actions:RestartSettleTime", "00:00:00")
            .WithSetting("Macha:Notifications:Gotify:Url", _gotify.Uri.ToString())
            .WithSetting("Macha:Notifications:Gotify:TokenFile", tokenFile)
            .WithSetting("Macha:PublicUrl", $"http://127.0.0.1:{port}/")
            .WithServices(services =>
            {
                services.RemoveAll<IHostInventory>();
                services.AddSingleton<IHostInventory>(provider => new FixedInventory([provider.GetRequiredService<LocalProcessShell>(), _replay]));
            });
        _baseUri = _factory.StartOnLoopback(port);
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _gotify.DisposeAsync();
    }

    public void Dispose() => _tokenDirectory.Dispose();

    [Fact]
    public async Task ApprovalLink_FromGotifyMessage_OpensThatApproval()
    {
        var id = await EnqueueRestartAsync();
        var message = await WaitForMessageAsync("Approval needed on web-1: restart-unit nginx.service");
        var link = ClickUrl(message);

        var page = await _browser.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        await page.GotoAsync(link);
        await Assertions.Expect(page.Locator("[data-test=circuit]")).ToHaveAttributeAsync("data-interactive", "true");
        var card = page.Locator($"[data-test=approval-{id}]").First;

        Assert.Equal(new Uri(_baseUri, $"/approvals/{id:D}"), new Uri(link));
        await Assertions.Expect(card).ToBeVisibleAsync();
        await Assertions.Expect(card.Locator("[data-test=argv] .argv-item")).ToHaveTextAsync(["sudo", "-n", "systemctl", "restart", "--", "nginx.service"]);
        await Assertions.Expect(card.Locator("[data-test=approve]")).ToBeEnabledAsync();

        await card.Locator("[data-test=approve]").ClickAsync();

        await Assertions.Expect(card.Locator("[data-test=approval-state]")).ToHaveTextAsync("Succeeded");
        var outcome = await WaitForMessageAsync("Action succeeded on web-1: restart-unit nginx.service");
        Assert.Equal(link, ClickUrl(outcome));
        Assert.Equal(ApprovalState.Succeeded, (await _factory.Services.GetRequiredService<ApprovalQueue>().GetAsync(id))?.State);
    }

    private async Task<JsonElement> WaitForMessageAsync(string title)
    {
        using var timeout = new CancellationTokenSource(WaitLimit);
        while (!timeout.IsCancellationRequested)
        {
            foreach (var message in _gotify.AcceptedMessages)
            {
                if (message.GetProperty("title").GetString() == title)
                {
                    return message;
                }
            }

            await Task.Delay(100);
        }

        var received = string.Join(", ", _gotify.AcceptedMessages.Select(m => m.GetProperty("title").GetString()));
        throw new TimeoutException($"The fake Gotify server received no message titled '{title}' within {WaitLimit}; it received: {received}");
    }

    private static string ClickUrl(JsonElement message) =>
        message.GetProperty("extras").GetProperty("client::notification").GetProperty("click").GetProperty("url").GetString()!;

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
        };
        return (await _factory.Services.GetRequiredService<ApprovalQueue>().EnqueueAsync(request)).Approval.Id;
    }

    private sealed class FixedInventory(IReadOnlyList<IHostShell> hosts) : IHostInventory
    {
        public IReadOnlyList<IHostShell> GetHosts() => hosts;
    }
}
