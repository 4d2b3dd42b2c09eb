using Macha.Core.Actions;
using Macha.Core.Actions.Autonomy;
using Macha.Core.Cycle;
using Macha.Core.Dependencies;
using Macha.Core.Incidents;
using Macha.Core.Notifications;
using Macha.Core.Storage;
using Macha.Tests.Cycle;
using Macha.Tests.Fakes;

namespace Macha.Tests.Notifications;

public sealed class NotificationServiceTests
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(90);

    private static long _autonomySequence;

    [Fact]
    public async Task SendNextAsync_ApprovalWaiting_LinksToTheApprovalPage()
    {
        await using var harness = await NotifierHarness.StartAsync();
        var service = harness.Get<NotificationService>();
        var approvalId = Guid.NewGuid();

        service.Publish(new ApprovalWaiting(approvalId, "web-01", "restart-unit", "Low", ["systemctl", "restart", "nginx.service"], "nginx.service failed; a restart is the usual *first* remedy."));
        await service.SendNextAsync(CancellationToken.None);

        var message = Assert.Single(harness.Gotify.AcceptedMessages);
        var link = $"https://macha.example.org/approvals/{approvalId:D}";
        Assert.Equal(link, message.GetProperty("extras").GetProperty("client::notification").GetProperty("click").GetProperty("url").GetString());
        Assert.Equal("Approval needed on web-01: restart-unit nginx.service", message.GetProperty("title").GetString());
        Assert.Equal(NotificationPriority.ApprovalWaiting, message.GetProperty("priority").GetInt32());
        var body = message.GetProperty("message").GetString()!;
        Assert.Contains($"[Review and decide]({link})", body, StringComparison.Ordinal);
        Assert.Contains("Command: systemctl restart nginx\\.service", body, StringComparison.Ordinal);
        Assert.Contains("the usual \\*first\\* remedy\\.", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendNextAsync_NoPublicUrl_ApprovalSaysWhyThereIsNoLink()
    {
        await using var harness = await NotifierHarness.StartAsync(new Dictionary<string, string?> { ["Macha:PublicUrl"] = null });
        var service = harness.Get<NotificationService>();

        service.Publish(new ApprovalWaiting(Guid.NewGuid(), "web-01", "restart-unit", "Low", ["systemctl", "restart", "nginx.service"], "restart"));
        await service.SendNextAsync(CancellationToken.None);

        var message = Assert.Single(harness.Gotify.AcceptedMessages);
        Assert.False(message.GetProperty("extras").TryGetProperty("client::notification", out _));
        Assert.Contains("Macha:PublicUrl is not set", message.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(service.GetStatus().ApprovalLinks);
    }

    [Fact]
    public async Task OnCycleEvent_CriticalIncident_SentAtHighPriorityWithHostAndUnit()
    {
        await using var harness = await NotifierHarness.StartAsync();
        var service = harness.Get<NotificationService>();
        var runId = Guid.NewGuid();

        service.OnCycleEvent(HostFinished(runId, Change("nginx.service", "nginx.service failed (Result=exit-code) `rm -rf` [x](http://evil.example)")));
        service.OnCycleEvent(new CycleFinished(runId, DateTimeOffset.UnixEpoch, CycleState.Completed, 1, 10));
        await service.SendNextAsync(CancellationToken.None);

        var message = Assert.Single(harness.Gotify.AcceptedMessages);
        Assert.Equal(8, message.GetProperty("priority").GetInt32());
        Assert.StartsWith("Critical on web-01: nginx.service failed", message.GetProperty("title").GetString(), StringComparison.Ordinal);
        var body = message.GetProperty("message").GetString()!;
        Assert.Contains("\\`rm \\-rf\\` \\[x\\]\\(http\\:\\/\\/evil\\.example\\)", body, StringComparison.Ordinal);
        Assert.DoesNotContain("](http://evil", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnCycleEvent_IncidentResolved_SentAtLowPriority()
    {
        await using var harness = await NotifierHarness.StartAsync();
        var service = harness.Get<NotificationService>();
        var runId = Guid.NewGuid();

        service.OnCycleEvent(HostFinished(runId, Change("nginx.service", "nginx.service failed", IncidentChangeKind.Resolved)));
        service.OnCycleEvent(new CycleFinished(runId, DateTimeOffset.UnixEpoch, CycleState.Completed, 0, 10));
        await service.SendNextAsync(CancellationToken.None);

        var message = Assert.Single(harness.Gotify.AcceptedMessages);
        Assert.Equal(NotificationPriority.IncidentResolved, message.GetProperty("priority").GetInt32());
        Assert.Equal("Resolved on web-01: nginx.service failed", message.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Publish_EveryOtherEvent_ProducesItsMessage()
    {
        await using var harness = await NotifierHarness.StartAsync();
        var service = harness.Get<NotificationService>();

        service.Publish(new ActionFinished("web-01", "restart-unit", "nginx.service", Succeeded: false, "nginx.service is failed after the restart.", "key-1"));
        service.Publish(new ActionFinished("web-01", "restart-unit", "php-fpm.service", Succeeded: true, "php-fpm.service is active.", "key-2"));
        service.Publish(new DependencyStateChanged("Ollama", DependencyKind.Service, IsDown: true, "connection refused"));
        service.Publish(new DependencyStateChanged("Ollama", DependencyKind.Service, IsDown: false, "answered"));
        service.Publish(new DependencyStateChanged("db-02", DependencyKind.Host, IsDown: true, "SSH connection timed out"));
        service.OnAutonomyChanged(Autonomy(paused: true, "alice", "maintenance window"));
        service.OnAutonomyChanged(Autonomy(paused: false, "alice"));
        for (var i = 0; i < 7; i++)
        {
            await service.SendNextAsync(CancellationToken.None);
        }

        var sent = harness.Gotify.AcceptedMessages.Select(m => (Title: m.GetProperty("title").GetString(), Priority: m.GetProperty("priority").GetInt32())).ToList();
        Assert.Equal(
            [
                ("Action failed on web-01: restart-unit nginx.service", 8),
                ("Action succeeded on web-01: restart-unit php-fpm.service", 3),
                ("Ollama is down", 7),
                ("Ollama is back up", 3),
                ("Host db-02 is unreachable", 8),
                ("Autonomy paused by alice", 5),
                ("Autonomy resumed by alice", 5),
            ],
            sent);
    }

    [Fact]
    public async Task SendNextAsync_Unauthorized_StopsUntilTheTokenFileChanges()
    {
        await using var harness = await NotifierHarness.StartAsync(tokenFileContents: "CzKx81mPq0RtW2e");
        harness.Gotify.AddClientToken("CzKx81mPq0RtW2e");
        var service = harness.Get<NotificationService>();

        Publish(service, "first");
        await service.SendNextAsync(CancellationToken.None);
        var rejected = service.GetStatus();
        Publish(service, "second");
        await service.SendNextAsync(CancellationToken.None);
        var requestsWhileStopped = harness.Gotify.Requests.Count;

        await File.WriteAllTextAsync(harness.TokenFile, NotifierHarness.Token);
        Publish(service, "third");
        await service.SendNextAsync(CancellationToken.None);

        Assert.Equal(NotifierState.Misconfigured, rejected.State);
        Assert.True(rejected.Misconfigured);
        Assert.Contains("401", rejected.Reason, StringComparison.Ordinal);
        Assert.Equal(1, requestsWhileStopped);
        Assert.Equal(1, service.GetStatus().SkippedWhileMisconfigured);
        Assert.Equal("Autonomy paused by third", Assert.Single(harness.Gotify.AcceptedMessages).GetProperty("title").GetString());
        Assert.Equal(NotifierState.Ok, service.GetStatus().State);
        Assert.Equal(DependencyState.Ok, service.GetDependencyStatus().State);
    }

    [Fact]
    public async Task SendNextAsync_Unauthorized_StopsUntilTheOptionsChange()
    {
        await using var harness = await NotifierHarness.StartAsync(tokenFileContents: "CzKx81mPq0RtW2e");
        var service = harness.Get<NotificationService>();

        Publish(service, "first");
        await service.SendNextAsync(CancellationToken.None);

        // Gotify's administrator turns the token into an application token; Macha cannot know that.
        harness.Gotify.AddApplicationToken("CzKx81mPq0RtW2e");
        Publish(service, "second");
        await service.SendNextAsync(CancellationToken.None);
        var acceptedBeforeChange = harness.Gotify.AcceptedMessages.Count;

        harness.Configuration["Macha:Notifications:MaxRetries"] = "2";
        harness.Configuration.Reload();
        Publish(service, "third");
        await service.SendNextAsync(CancellationToken.None);

        Assert.Equal(0, acceptedBeforeChange);
        Assert.Equal("Autonomy paused by third", Assert.Single(harness.Gotify.AcceptedMessages).GetProperty("title").GetString());
        Assert.Equal(NotifierState.Ok, service.GetStatus().State);
    }

    [Fact]
    public async Task SendTestAsync_WhileMisconfigured_TriesAndClearsOnSuccess()
    {
        await using var harness = await NotifierHarness.StartAsync();
        var service = harness.Get<NotificationService>();
        harness.Gotify.EnqueueFault(new GotifyFault(401, FakeGotifyServer.UnauthorizedBody));

        var first = await service.SendTestAsync();
        var dependency = service.GetDependencyStatus();
        var second = await service.SendTestAsync();

        Assert.Equal(GotifySendStatus.Misconfigured, first.Status);
        Assert.Equal(DependencyState.Down, dependency.State);
        Assert.Equal("gotify", dependency.Name);
        Assert.Equal(GotifySendStatus.Sent, second.Status);
        Assert.Equal(NotifierState.Ok, service.GetStatus().State);
        var message = Assert.Single(harness.Gotify.AcceptedMessages);
        Assert.Equal("Test notification from Macha on macha-host", message.GetProperty("title").GetString());
        Assert.Equal(NotificationPriority.Test, message.GetProperty("priority").GetInt32());
    }

    [Fact]
    public async Task SendNextAsync_ServerErrorsAfterRetries_ShowsDegraded()
    {
        await using var harness = await NotifierHarness.StartAsync(new Dictionary<string, string?> { ["Macha:Notifications:MaxRetries"] = "1" });
        harness.Gotify.EnqueueFault(GotifyFault.ServerError(502)).EnqueueFault(GotifyFault.ServerError(502));
        var service = harness.Get<NotificationService>();

        Publish(service, "alice");
        await service.SendNextAsync(CancellationToken.None);

        var status = service.GetStatus();
        Assert.Equal(NotifierState.Degraded, status.State);
        Assert.Contains("answered 502", status.Reason, StringComparison.Ordinal);
        Assert.Equal(1, status.Failed);
        Assert.Equal(DependencyState.Degraded, service.GetDependencyStatus().State);
    }

    [Fact]
    public async Task Publish_NotConfigured_QueuesNothing()
    {
        await using var harness = await NotifierHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Macha:Notifications:Gotify:Url"] = null,
            ["Macha:Notifications:Gotify:TokenFile"] = null,
        });
        var service = harness.Get<NotificationService>();

        Publish(service, "alice");

        var status = service.GetStatus();
        Assert.Equal(NotifierState.NotConfigured, status.State);
        Assert.False(status.Configured);
        Assert.Equal(0, status.QueueLength);
        Assert.Equal(DependencyState.NotConfigured, service.GetDependencyStatus().State);
    }

    [Fact]
    public async Task HealthCycle_GotifyHangs_CycleFinishesAnyway()
    {
        await using var gotify = await FakeGotifyServer.StartAsync();
        gotify.AddApplicationToken(NotifierHarness.Token);
        gotify.EnqueueFault(GotifyFault.NoAnswer());
        using var tokenDirectory = new TestDataDirectory();
        var tokenFile = Path.Combine(tokenDirectory.Path, "token");
        await File.WriteAllTextAsync(tokenFile, NotifierHarness.Token);
        await using var harness = await CycleHarness.StartAsync(
            [new WorkingCollector(), new ThrowingCollector()],
            settings: new Dictionary<string, string?>
            {
                ["Macha:Notifications:Gotify:Url"] = gotify.Uri.ToString(),
                ["Macha:Notifications:Gotify:TokenFile"] = tokenFile,
                ["Macha:Notifications:RequestTimeout"] = "00:05:00",
            });
        var service = harness.Get<NotificationService>();
        await service.StartAsync(CancellationToken.None);
        try
        {
            var first = await harness.Get<HealthCycle>().RunAsync(CycleTrigger.Scheduled);
            await WaitUntilAsync(() => gotify.InFlightCount == 1);

            var second = await harness.Get<HealthCycle>().RunAsync(CycleTrigger.Manual);

            Assert.Equal(CycleState.Completed, first.State);
            Assert.Equal(CycleState.Completed, second.State);
            Assert.Equal(1, gotify.InFlightCount);
            Assert.Empty(gotify.AcceptedMessages);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    private static void Publish(NotificationService service, string by) =>
        service.OnAutonomyChanged(Autonomy(paused: true, by));

    private static AutonomyChanged Autonomy(bool paused, string by, string? reason = null)
    {
        var state = new AutonomyState(
            AutonomyLevel.AutoSafe,
            paused ? AutonomyLevel.Observe : AutonomyLevel.AutoSafe,
            paused,
            paused ? DateTimeOffset.UnixEpoch : null,
            paused ? by : null,
            reason);
        return new AutonomyChanged(state, by, DateTimeOffset.UtcNow.AddTicks(Interlocked.Increment(ref _autonomySequence)));
    }

    private static HostFinished HostFinished(Guid runId, IncidentChange change) =>
        new(runId, DateTimeOffset.UnixEpoch, "web-01", 1, [change]);

    private static IncidentChange Change(string unit, string summary, IncidentChangeKind kind = IncidentChangeKind.Opened) =>
        new(Guid.NewGuid(), "web-01", "fp-" + unit, kind, "First seen.")
        {
            IncidentKind = "FailedUnit",
            Subject = unit,
            Severity = "Critical",
            Summary = summary,
        };

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(WaitLimit);
        while (!condition())
        {
            await Task.Delay(20, limit.Token);
        }
    }
}
