using Bunit;
using Macha.Core.Actions.Autonomy;
using Macha.Core.Analysis;
using Macha.Core.Cycle;
using Macha.Core.Dependencies;
using Macha.Core.Monitoring;
using Macha.Core.Notifications;
using Macha.Core.Storage;
using Macha.Tests.Cycle;
using Macha.Tests.Fakes;
using Macha.Web.Components.Pages;
using Macha.Web.Jobs;
using Macha.Web.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Components;

public sealed class OverviewTests : MachaBunitContext
{
    private readonly FakeCycleLauncher _launcher = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private CycleHarness _harness = default!;

    public override async Task InitializeAsync()
    {
        _harness = await CycleHarness.StartAsync([new WorkingCollector(), new ThrowingCollector()]);
        Services.AddSingleton(_harness.Get<HealthQueries>());
        Services.AddSingleton(_harness.Get<CycleEvents>());
        Services.AddSingleton<ICycleLauncher>(_launcher);
        Services.AddSingleton<TimeProvider>(_time);
        Services.AddSingleton(_harness.Get<IModelRequestQueue>());
        Services.AddSingleton(_harness.Get<IOptionsMonitor<AnalysisOptions>>());

        // The status panel at the top reads approvals, live events and dependency statuses.
        Services.AddSingleton(new DependencyStatusService([], _time, NullLogger<DependencyStatusService>.Instance));
        Services.AddFallbackServiceProvider(_harness.Provider);
        Services.AddSingleton(_harness.Get<AutonomySwitch>());
        Services.AddSingleton(_harness.Get<AutonomyEvents>());
        Services.AddSingleton(_harness.Get<INotificationStatusProvider>());
        Services.AddSingleton(_harness.Get<NotificationService>());
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _harness.DisposeAsync();
    }

    [Fact]
    public void Render_NoSnapshotYet_ShowsEmptyState()
    {
        var page = Render<Overview>();

        page.WaitForAssertion(() => Assert.Contains("No snapshot yet", page.Find("[data-test=empty]").TextContent, StringComparison.Ordinal));
        Assert.Contains("No health cycle has run yet", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_AfterACycle_ShowsHostMetricsFindingsAndCollectors()
    {
        await _harness.Get<HealthCycle>().RunAsync(CycleTrigger.Scheduled);

        var page = Render<Overview>();

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-test=host-test-host]")));
        Assert.Contains("50%", page.Find(".tiles").TextContent, StringComparison.Ordinal);
        var findings = page.Find("[data-test=findings]");
        Assert.Contains("CollectorFailed", findings.TextContent, StringComparison.Ordinal);
        Assert.Contains("throwing", findings.TextContent, StringComparison.Ordinal);
        var collectors = page.Find("[data-test=collectors]").TextContent;
        Assert.Contains("Failed", collectors, StringComparison.Ordinal);
        Assert.Contains("parser bug", collectors, StringComparison.Ordinal);
        Assert.Single(page.FindAll("[data-test=cycle-runs] tbody tr"));
        var incidents = page.Find("[data-test=incidents]").TextContent;
        Assert.Contains("CollectorFailed", incidents, StringComparison.Ordinal);
        Assert.Contains("Open", incidents, StringComparison.Ordinal);
        Assert.Contains("skipped: playbooks apply", incidents, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-test=model-queue]"));
    }

    [Fact]
    public void Render_ShowsTheAutonomyControl()
    {
        var page = Render<Overview>();

        page.WaitForAssertion(() => Assert.Contains("Autonomy: Suggest", page.Find("[data-test=autonomy-level]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void RunCheckNow_Click_StartsACycle()
    {
        var page = Render<Overview>();
        page.WaitForAssertion(() => page.Find("[data-test=empty]"));

        page.Find("[data-test=run-check]").Click();

        page.WaitForAssertion(() => Assert.Equal(1, _launcher.StartCount));
    }

    [Fact]
    public void RunCheckNow_ReadOnlyUser_StartsNothing()
    {
        Authorization.SetPolicies(MachaPolicies.Read);
        var page = Render<Overview>();
        page.WaitForAssertion(() => page.Find("[data-test=empty]"));

        page.Find("[data-test=run-check]").Click();

        page.WaitForAssertion(() => Assert.Contains("operate scope", page.Find("[data-test=start-error]").TextContent, StringComparison.Ordinal));
        Assert.Equal(0, _launcher.StartCount);
    }

    [Fact]
    public void RunCheckNow_LauncherFails_ShowsTheError()
    {
        _launcher.Failure = new InvalidOperationException("scheduler is shut down");
        var page = Render<Overview>();
        page.WaitForAssertion(() => page.Find("[data-test=empty]"));

        page.Find("[data-test=run-check]").Click();

        page.WaitForAssertion(() => Assert.Contains("scheduler is shut down", page.Find("[data-test=start-error]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CycleEvents_CycleRuns_ShowsProgressThenTheNewSnapshot()
    {
        var page = Render<Overview>();
        page.WaitForAssertion(() => page.Find("[data-test=empty]"));
        var events = _harness.Get<CycleEvents>();
        var runId = Guid.NewGuid();

        events.Publish(new CycleStarted(runId, _time.GetUtcNow(), CycleTrigger.Manual, ["test-host"], ["memory", "throwing"]));
        events.Publish(new CollectorFinished(runId, _time.GetUtcNow(), "test-host", new CollectorStatus("memory", CollectorState.Ok, null, 1)));

        page.WaitForAssertion(() => Assert.Contains("1 of 2 collectors done", page.Find("[data-test=cycle-progress]").TextContent, StringComparison.Ordinal));
        Assert.True(page.Find("[data-test=run-check]").HasAttribute("disabled"));

        // A real cycle stores the snapshot and then publishes CycleFinished, which makes the page reload.
        await _harness.Get<HealthCycle>().RunAsync(CycleTrigger.Manual);

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-test=host-test-host]")));
        Assert.Empty(page.FindAll("[data-test=cycle-progress]"));
    }

    [Fact]
    public async Task Render_DatabaseUnreadable_ShowsErrorWithRetry()
    {
        await using var db = _harness.OpenDatabase();
        await db.Database.ExecuteSqlRawAsync("DROP TABLE Snapshots;");

        var page = Render<Overview>();

        page.WaitForAssertion(() => Assert.Contains("Could not load the latest health data", page.Find("[data-test=load-error]").TextContent, StringComparison.Ordinal));
        Assert.Contains("Retry", page.Find("[data-test=load-error]").TextContent, StringComparison.Ordinal);
    }

    private sealed class FakeCycleLauncher : ICycleLauncher
    {
        public int StartCount { get; private set; }

        public Exception? Failure { get; set; }

        public Task<Guid> StartAsync(CancellationToken cancellationToken = default)
        {
            StartCount++;
            return Failure is null ? Task.FromResult(Guid.NewGuid()) : Task.FromException<Guid>(Failure);
        }
    }
}
