using Macha.Core.Approvals;
using Macha.Core.Cycle;
using Macha.Core.Monitoring;
using Macha.Core.Notifications;
using Macha.Core.Storage;
using Macha.Tests.Approvals;
using Macha.Tests.Cycle;
using Macha.Tests.Fakes;

namespace Macha.Tests.Notifications;

/// <summary>The event sources wired to the notifier in Macha's real service graph, against a fake Gotify.</summary>
public sealed class NotificationSourcesTests : IAsyncLifetime, IDisposable
{
    private readonly TestDataDirectory _tokenDirectory = new();
    private FakeGotifyServer _gotify = default!;
    private CycleHarness _harness = default!;

    public async Task InitializeAsync()
    {
        _gotify = await FakeGotifyServer.StartAsync();
        _gotify.AddApplicationToken(NotifierHarness.Token);
        var tokenFile = Path.Combine(_tokenDirectory.Path, "gotify-token");
        await File.WriteAllTextAsync(tokenFile, NotifierHarness.Token);
        _harness = await ApprovalTestData.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Macha:Notifications:Gotify:Url"] = _gotify.Uri.ToString(),
            ["Macha:Notifications:Gotify:TokenFile"] = tokenFile,
            ["Macha:PublicUrl"] = "https://macha.example.org/",
        });
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _gotify.DisposeAsync();
    }

    public void Dispose() => _tokenDirectory.Dispose();

    [Fact]
    public async Task EnqueueAsync_NewApproval_SendsItsExactDashboardRoute()
    {
        var queue = _harness.Get<ApprovalQueue>();
        var service = _harness.Get<NotificationService>();

        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());
        var duplicate = await queue.EnqueueAsync(ApprovalTestData.Request());
        var waiting = service.GetStatus().QueueLength;
        await service.SendNextAsync(CancellationToken.None);

        Assert.True(duplicate.IsDuplicate);
        Assert.Equal(1, waiting);
        var message = Assert.Single(_gotify.AcceptedMessages);
        var url = message.GetProperty("extras").GetProperty("client::notification").GetProperty("click").GetProperty("url").GetString();
        Assert.Equal($"https://macha.example.org/approvals/{queued.Approval.Id:D}", url);
        Assert.Equal("Approval needed on test-host: restart-unit nginx.service", message.GetProperty("title").GetString());
    }

    [Fact]
    public async Task OnCycleEvent_EveryCollectorFailed_ReportsHostUnreachableThenBack()
    {
        var service = _harness.Get<NotificationService>();
        var failedRun = Guid.NewGuid();
        var healthyRun = Guid.NewGuid();

        Feed(service, failedRun, new CollectorStatus("memory", CollectorState.TimedOut, "ssh: connect to host web-01 port 22: Connection timed out", 30_000),
            new CollectorStatus("systemd", CollectorState.Failed, "exit 255", 10));
        Feed(service, healthyRun, new CollectorStatus("memory", CollectorState.Ok, null, 5),
            new CollectorStatus("systemd", CollectorState.Unavailable, "PID 1 is not systemd", 1));
        await service.SendNextAsync(CancellationToken.None);
        await service.SendNextAsync(CancellationToken.None);

        var titles = _gotify.AcceptedMessages.Select(m => m.GetProperty("title").GetString()).ToList();
        Assert.Equal(["Host web-01 is unreachable", "Host web-01 is reachable again"], titles);
        Assert.Equal(NotificationPriority.HostUnreachable, _gotify.AcceptedMessages[0].GetProperty("priority").GetInt32());
        Assert.Contains("Connection timed out", _gotify.AcceptedMessages[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void OnCycleEvent_OnlyUnavailableCollectors_ReportsNothing()
    {
        var service = _harness.Get<NotificationService>();

        Feed(service, Guid.NewGuid(), new CollectorStatus("systemd", CollectorState.Unavailable, "PID 1 is not systemd", 1));

        Assert.Equal(0, service.GetStatus().QueueLength);
    }

    private static void Feed(NotificationService service, Guid runId, params CollectorStatus[] statuses)
    {
        foreach (var status in statuses)
        {
            service.OnCycleEvent(new CollectorFinished(runId, DateTimeOffset.UnixEpoch, "web-01", status));
        }

        service.OnCycleEvent(new HostFinished(runId, DateTimeOffset.UnixEpoch, "web-01", 0, []));
        service.OnCycleEvent(new CycleFinished(runId, DateTimeOffset.UnixEpoch, CycleState.Completed, 0, 10));
    }
}
