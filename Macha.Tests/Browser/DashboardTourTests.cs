using System.Globalization;
using Macha.Core.Approvals;
using Macha.Core.Hosts;
using Macha.Core.Incidents;
using Macha.Core.Storage;
using Macha.Tests.Fakes;
using Macha.Tests.Knowledge;
using Macha.Tests.Scenarios;
using Macha.Web.Components;
using Macha.Web.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Playwright;

namespace Macha.Tests.Browser;

/// <summary>
/// Every dashboard page in Debian's chromium, signed in, with live data. The start-up cycle checks
/// the machine the tests run on and a scripted host, "web-1". That host's recorded state has a nearly
/// full root filesystem, a failed nginx.service and high memory use. A real Chroma server contains the seed
/// notes. Each page must show its content, no error bar and no console error, at desktop and phone
/// widths, in a browser whose time zone is far from UTC.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardTourTests : IClassFixture<BrowserFixture>, IAsyncLifetime, IDisposable
{
    private const string ScriptedHostName = "web-1";

    // A neutral name for the machine the tests run on, so screenshots show no real host name.
    private const string LocalHostName = "controller";

    /// <summary>Where the README's screenshots go when set; docs/screenshots/take.sh sets it.</summary>
    private const string ReadmeScreenshotVariable = "MACHA_README_SCREENSHOTS";
    private const string UserName = "operator";
    private const string Password = "tour-password-for-tests";

    // UTC+14, so a time shown in the browser's zone could not pass for the UTC text.
    private const string BrowserTimeZone = "Pacific/Kiritimati";

    private static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };
    private static readonly ViewportSize Desktop = new() { Width = 1280, Height = 900 };

    private readonly BrowserFixture _browser;
    private readonly ScriptedHost _scripted = new(ScriptedHostName, Scenario.Load("29-several-problems-at-once.txt"));
    private FakeOllamaServer _ollama = default!;
    private ChromaServer _chroma = default!;
    private MachaWebFactory _factory = default!;
    private Uri _baseUri = default!;

    public DashboardTourTests(BrowserFixture browser)
    {
        _browser = browser;
    }

    public async Task InitializeAsync()
    {
        _ollama = (await FakeOllamaServer.StartAsync()).UseDeterministicEmbeddings(KnowledgeTestBed.Dimensions);
        _chroma = await ChromaServer.StartAsync();
        _factory = new MachaWebFactory();
        var usersFile = Path.Combine(_factory.DataDirectory, "users");
        await File.WriteAllTextAsync(usersFile, CredentialTools.CreateUserLine(UserName, Password) + "\n");
        _factory
            .WithSetting("Macha:LocalHostName", LocalHostName)
            .WithSetting("Macha:Authentication:UsersFile", usersFile)
            .WithSetting("Macha:Actions:RestartSettleTime", "00:00:00")
            .WithSetting("Macha:Analysis:OllamaUrl", _ollama.Uri.ToString())
            .WithSetting("Macha:Knowledge:ChromaUrl", _chroma.Uri.ToString())
            .WithSetting("Macha:Knowledge:Database", $"tour-{Guid.NewGuid():N}")
            .WithSetting("Macha:Knowledge:MinSimilarity", "0.2")
            .WithServices(services =>
            {
                services.RemoveAll<IHostInventory>();
                services.AddSingleton<IHostInventory>(provider => new FixedInventory([provider.GetRequiredService<LocalProcessShell>(), _scripted]));
            });
        _baseUri = _factory.StartOnLoopback();
        await WaitForStartupCycleAsync();
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _chroma.DisposeAsync();
        await _ollama.DisposeAsync();
    }

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Pages_SignedInWithLiveData_ShowContentWithoutErrors()
    {
        var localHost = _factory.Services.GetRequiredService<LocalProcessShell>().HostName;
        Assert.Equal(LocalHostName, localHost);
        var nginx = await FindIncidentAsync("FailedUnit", "nginx.service");
        var restart = await WaitForPendingApprovalAsync("nginx.service");

        foreach (var viewport in new[] { Desktop, Phone })
        {
            await using var context = await SignInAsync(viewport);
            var width = viewport.Width.ToString(CultureInfo.InvariantCulture);

            await VisitAsync(context, "/", $"overview-{width}", async page =>
            {
                await Expect(page.Locator($"[data-test='host-chip-{localHost}']")).ToBeVisibleAsync();
                await Expect(page.Locator($"[data-test='host-chip-{ScriptedHostName}']")).ToBeVisibleAsync();
                await Expect(page.Locator("[data-test=pending-count]")).ToContainTextAsync("waiting for approval");
                await Expect(page.Locator("[data-test=dependency-chromadb]")).ToContainTextAsync("ok");
                await Expect(page.Locator("[data-test=incidents]")).ToContainTextAsync("nginx.service");
                await Expect(page.Locator($"[data-test='host-{localHost}']")).ToContainTextAsync("Memory");
                await Expect(page.Locator("[data-test=cycle-runs]")).ToContainTextAsync("Completed");
                await Expect(page.Locator("[data-test=run-check]")).ToBeEnabledAsync();
                await Expect(page.Locator("[data-test=signed-in-user]")).ToHaveTextAsync(UserName);
            });

            await VisitAsync(context, "/incidents", $"incidents-{width}", async page =>
            {
                var rows = page.Locator("[data-test=incident-row]");
                await Expect(rows.Filter(new() { HasText = "nginx.service" })).ToHaveCountAsync(1);
                await Expect(rows.Filter(new() { HasText = "DiskSpace" })).ToHaveCountAsync(1);
                await Expect(rows.Filter(new() { HasText = "MemoryPressure" })).ToHaveCountAsync(1);
            });

            await VisitAsync(context, $"/incidents/{nginx.Id}", $"incident-{width}", async page =>
            {
                await Expect(page.Locator("[data-test=evidence]")).ToContainTextAsync("active=failed");
                await Expect(page.Locator("h1")).ToContainTextAsync("nginx.service");
                await Expect(page.Locator("[data-test=findings]")).ToContainTextAsync("Critical");
                await Expect(page.Locator("[data-test=incident-approvals]")).ToContainTextAsync("Pending");

                // The server stores UTC and shows UTC text, although the browser's zone is UTC+14.
                await Expect(page.Locator("[data-test=incident-facts]")).ToContainTextAsync(Formatting.Time(nginx.OpenedAt));
            });

            await VisitAsync(context, "/approvals", $"approvals-{width}", async page =>
            {
                var card = page.Locator($"[data-test='approval-{restart.Id}']");
                await Expect(card.Locator("[data-test=argv]")).ToContainTextAsync("nginx.service");
                await Expect(card.Locator("[data-test=risk]")).ToBeVisibleAsync();
                await Expect(card.Locator("[data-test=expiry]")).ToContainTextAsync("in 23 h");
                await Expect(card.Locator("[data-test=approve]")).ToBeEnabledAsync();
            });

            await VisitAsync(context, $"/approvals/{restart.Id}", $"approval-{width}", async page =>
            {
                var card = page.Locator($"[data-test='approval-{restart.Id}']");
                await Expect(card.Locator("[data-test=reason]")).ToContainTextAsync("nginx.service");
                await Expect(card.Locator("[data-test=history]")).ToContainTextAsync(Formatting.Time(restart.CreatedAt));
                await Expect(page.Locator("[data-test=discussion]")).ToBeVisibleAsync();
            });

            await VisitAsync(context, "/hosts", $"hosts-{width}", async page =>
            {
                await Expect(page.Locator("[data-test=hosts]")).ToBeVisibleAsync();
                await Expect(page.Locator($"[data-test='host-{localHost}']")).ToContainTextAsync(localHost);
            });

            await VisitAsync(context, $"/hosts/{ScriptedHostName}", $"host-{width}", async page =>
            {
                // CPU use needs two samples, so after one cycle its chart is still empty.
                await Expect(page.Locator("[data-test=chart-memory] svg")).ToBeVisibleAsync();
                await Expect(page.Locator("[data-test=chart-disk] svg")).ToBeVisibleAsync();
                await Expect(page.Locator("[data-test=chart-cpu] [data-test=chart-empty]")).ToBeVisibleAsync();
                await Expect(page.Locator("[data-test=host-incidents]")).ToContainTextAsync("nginx.service");
                await Expect(page.Locator("[data-test=filesystems]")).ToContainTextAsync("/srv");
                await Expect(page.Locator("[data-test=failed-units]")).ToContainTextAsync("nginx.service");
            });

            await VisitAsync(context, $"/hosts/{Uri.EscapeDataString(localHost)}", $"host-local-{width}", async page =>
            {
                await Expect(page.Locator("[data-test=collectors]")).ToContainTextAsync("disks");
                await Expect(page.Locator("[data-test=filesystems]")).ToBeVisibleAsync();
            });

            await VisitAsync(context, "/audit/decisions", $"audit-decisions-{width}", async page =>
            {
                await Expect(page.Locator("[data-test=chain-intact]")).ToBeVisibleAsync();
                await Expect(page.Locator("[data-test=audit-line]").First).ToBeVisibleAsync();
            });

            await VisitAsync(context, "/audit/actions", $"audit-actions-{width}", async page =>
            {
                await Expect(page.Locator("[data-test=chain]")).ToBeVisibleAsync();
                await Expect(page.Locator("[data-test=chain-broken]")).ToHaveCountAsync(0);
            });

            await VisitAsync(context, "/settings", $"settings-{width}", async page =>
            {
                await Expect(page.Locator("[data-test=setting][data-key='Macha:Knowledge:ChromaUrl']")).ToContainTextAsync(_chroma.Uri.Authority);
                await Expect(page.Locator("[data-test=setting][data-key='Macha:Authentication:UsersFile']")).ToBeVisibleAsync();
            });

            await VisitAsync(context, "/knowledge?q=failed%20unit%20restart", $"knowledge-{width}", async page =>
            {
                await Expect(page.Locator("[data-test=search-form]")).ToBeVisibleAsync();
                await Expect(page.Locator("[data-test=hits]")).ToContainTextAsync("restart");
            });
        }
    }

    /// <summary>
    /// Takes the README's pictures of the Overview at 1280 pixels and of an approval on a phone.
    /// They go to the directory named by MACHA_README_SCREENSHOTS, or to the test output.
    /// </summary>
    [Fact]
    public async Task ReadmeScreenshots_OverviewAndApproval_ShowLiveData()
    {
        var directory = Environment.GetEnvironmentVariable(ReadmeScreenshotVariable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(BrowserFixture.ScreenshotDirectory, "readme");
        Directory.CreateDirectory(directory);
        var restart = await WaitForPendingApprovalAsync("nginx.service");
        var overviewPath = Path.Combine(directory, "overview.png");
        var approvalPath = Path.Combine(directory, "approval.png");

        await using (var desktop = await SignInAsync(Desktop))
        {
            var page = await desktop.NewPageAsync();
            await page.GotoAsync("/");
            await Expect(page.Locator("[data-test=circuit]")).ToHaveAttributeAsync("data-interactive", "true");
            await Expect(page.Locator("[data-test=incidents]")).ToContainTextAsync("nginx.service");
            await Expect(page.Locator("[data-test=dependency-chromadb]")).ToContainTextAsync("ok");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = overviewPath, Animations = ScreenshotAnimations.Disabled });
        }

        await using (var phone = await SignInAsync(Phone, deviceScaleFactor: 2))
        {
            var page = await phone.NewPageAsync();
            await page.GotoAsync($"/approvals/{restart.Id}");
            await Expect(page.Locator("[data-test=circuit]")).ToHaveAttributeAsync("data-interactive", "true");
            var card = page.Locator($"[data-test='approval-{restart.Id}']");
            await card.GetByLabel("Comment (optional)").FillAsync("nginx is down, go ahead");
            await card.GetByLabel("Comment (optional)").PressAsync("Tab");
            await Expect(card.Locator("[data-test=approve]")).ToBeFocusedAsync();

            // The picture reaches down to the buttons, which a phone shows after one scroll.
            await page.EvaluateAsync("window.scrollTo(0, 0)");
            var buttons = await card.Locator("[data-test=approve]").BoundingBoxAsync();
            await page.ScreenshotAsync(new PageScreenshotOptions
            {
                Path = approvalPath,
                FullPage = true,
                Clip = new Clip { X = 0, Y = 0, Width = Phone.Width, Height = buttons!.Y + buttons.Height + 24 },
                Animations = ScreenshotAnimations.Disabled,
            });
        }

        Assert.True(new FileInfo(overviewPath).Length > 10_000, $"{overviewPath} is too small to be a screenshot.");
        Assert.True(new FileInfo(approvalPath).Length > 10_000, $"{approvalPath} is too small to be a screenshot.");
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    /// <summary>Signs in through the real form in a fresh browser context, as a person would.</summary>
    private async Task<IBrowserContext> SignInAsync(ViewportSize viewport, float deviceScaleFactor = 1)
    {
        var context = await _browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = _baseUri.ToString(),
            ViewportSize = viewport,
            DeviceScaleFactor = deviceScaleFactor,
            TimezoneId = BrowserTimeZone,
            Locale = "de-DE",
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/signin");
        await page.GetByLabel("User name").FillAsync(UserName);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("[data-test=circuit]")).ToHaveAttributeAsync("data-interactive", "true");
        await page.CloseAsync();
        return context;
    }

    /// <summary>
    /// Opens a page, waits for the live circuit, runs its checks, then checks what every page must
    /// show: the UTC label, no error bar, no console error, and no sideways scrolling.
    /// </summary>
    private static async Task VisitAsync(IBrowserContext context, string path, string screenshotName, Func<IPage, Task> checks)
    {
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add($"console: {message.Text}");
            }
        };
        page.PageError += (_, error) => errors.Add($"page error: {error}");

        var response = await page.GotoAsync(path);
        Assert.True(response?.Ok, $"{path} returned {response?.Status}.");
        Assert.DoesNotContain("/signin", page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("[data-test=circuit]")).ToHaveAttributeAsync("data-interactive", "true");

        await checks(page);

        await Expect(page.Locator("h1").First).ToBeVisibleAsync();
        await Expect(page.Locator("[data-test=time-zone]")).ToHaveTextAsync("All times are in UTC.");
        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, $"tour-{screenshotName}.png"), FullPage = true });
        var viewportWidth = page.ViewportSize!.Width;
        Assert.True(
            await page.EvaluateAsync<int>("document.documentElement.scrollWidth") <= viewportWidth,
            $"{path} scrolls sideways at {viewportWidth} pixels.");
        Assert.True(errors.Count == 0, $"{path} at {viewportWidth} pixels: {string.Join("; ", errors)}");
        await page.CloseAsync();
    }

    private async Task WaitForStartupCycleAsync()
    {
        var databases = _factory.Services.GetRequiredService<IDbContextFactory<MachaDbContext>>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            await using var db = await databases.CreateDbContextAsync(timeout.Token);
            if (await db.CycleRuns.AnyAsync(run => run.State == CycleState.Completed, timeout.Token))
            {
                return;
            }

            await Task.Delay(200, timeout.Token);
        }
    }

    private async Task<IncidentRecord> FindIncidentAsync(string kind, string subject)
    {
        var databases = _factory.Services.GetRequiredService<IDbContextFactory<MachaDbContext>>();
        await using var db = await databases.CreateDbContextAsync();
        return await db.Incidents.AsNoTracking().SingleAsync(i => i.HostName == ScriptedHostName && i.Kind == kind && i.Subject == subject);
    }

    /// <summary>Waits for the approval that the start-up cycle's playbook queued for a unit of the scripted host.</summary>
    private async Task<ApprovalRecord> WaitForPendingApprovalAsync(string unit)
    {
        var queue = _factory.Services.GetRequiredService<ApprovalQueue>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (true)
        {
            var page = await queue.ListAsync(ApprovalState.Pending, 1, 100, timeout.Token);
            var found = page.Items.FirstOrDefault(a => a.HostName == ScriptedHostName && a.ArgvJson.Contains(unit, StringComparison.Ordinal));
            if (found is not null)
            {
                return found;
            }

            await Task.Delay(200, timeout.Token);
        }
    }

    private sealed class FixedInventory(IReadOnlyList<IHostShell> hosts) : IHostInventory
    {
        public IReadOnlyList<IHostShell> GetHosts() => hosts;
    }

    /// <summary>
    /// A host whose state comes from a detection scenario, and whose restart and is-active commands for
    /// nginx.service succeed, so an approved restart verifies.
    /// </summary>
    private sealed class ScriptedHost(string hostName, Scenario scenario) : IHostShell
    {
        private readonly ScenarioShell _state = new(scenario, previousCycle: false, hostName);
        private readonly ReplayShell _actions = new ReplayShell(hostName)
            .WithCommand("sudo -n systemctl restart -- nginx.service", "")
            .WithCommand("systemctl is-active -- nginx.service", "active\n");

        public string HostName => hostName;

        public Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellationToken = default) =>
            request.DisplayText.Contains("nginx.service", StringComparison.Ordinal) && request.DisplayText.StartsWith("sudo", StringComparison.Ordinal)
                || request.DisplayText.StartsWith("systemctl is-active", StringComparison.Ordinal)
                ? _actions.RunAsync(request, cancellationToken)
                : _state.RunAsync(request, cancellationToken);

        public Task<FileReadResult> ReadFileAsync(string path, int maxBytes, CancellationToken cancellationToken = default) =>
            _state.ReadFileAsync(path, maxBytes, cancellationToken);
    }
}
