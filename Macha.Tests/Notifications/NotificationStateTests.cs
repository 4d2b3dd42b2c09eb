using Macha.Core.Notifications;
using Macha.Tests.Cycle;
using Macha.Tests.Fakes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Notifications;

/// <summary>The notifier's cooldowns and dependency states kept in SQLite across a restart of Macha's service graph.</summary>
public sealed class NotificationStateTests : IAsyncLifetime, IDisposable
{
    private readonly TestDataDirectory _data = new();
    private readonly TestDataDirectory _tokenDirectory = new();
    private FakeGotifyServer _gotify = default!;
    private string _tokenFile = default!;

    public async Task InitializeAsync()
    {
        _gotify = await FakeGotifyServer.StartAsync();
        _gotify.AddApplicationToken(NotifierHarness.Token);
        _tokenFile = Path.Combine(_tokenDirectory.Path, "gotify-token");
        await File.WriteAllTextAsync(_tokenFile, NotifierHarness.Token);
    }

    public async Task DisposeAsync() => await _gotify.DisposeAsync();

    public void Dispose()
    {
        _data.Dispose();
        _tokenDirectory.Dispose();
    }

    [Fact]
    public async Task Restart_WithinCooldown_DoesNotRepeatNotification()
    {
        var failed = new ActionFinished("web-01", "restart-unit", "nginx.service", Succeeded: false, "nginx.service is failed.", "restart-unit:web-01:nginx.service");
        await using (var before = await StartAsync())
        {
            var notifier = before.Get<NotificationService>();
            await notifier.RestoreStateAsync(CancellationToken.None);
            notifier.Publish(failed);
            await notifier.SendNextAsync(CancellationToken.None);
        }

        await using var after = await StartAsync();
        var restarted = after.Get<NotificationService>();
        await restarted.RestoreStateAsync(CancellationToken.None);
        restarted.Publish(failed);
        restarted.Publish(failed with { HostName = "web-02", DedupKey = "restart-unit:web-02:nginx.service" });

        Assert.Single(_gotify.AcceptedMessages);
        Assert.Equal(1, restarted.GetStatus().QueueLength);
        Assert.Equal(1, restarted.GetStatus().Suppressed);
        await using var db = after.OpenDatabase();
        Assert.Equal("action-failed:restart-unit:web-01:nginx.service", Assert.Single(await db.NotificationCooldowns.Select(c => c.DedupKey).ToListAsync()));
    }

    [Fact]
    public async Task Restart_DependencyStillDown_NotifiesOnlyRecovery()
    {
        await using (var before = await StartAsync())
        {
            var notifier = before.Get<NotificationService>();
            await notifier.RestoreStateAsync(CancellationToken.None);
            notifier.Publish(new DependencyStateChanged("Ollama", DependencyKind.Service, IsDown: true, "connection refused"));
            await notifier.SendNextAsync(CancellationToken.None);
        }

        await using var after = await StartAsync();
        var restarted = after.Get<NotificationService>();
        await restarted.RestoreStateAsync(CancellationToken.None);
        restarted.Publish(new DependencyStateChanged("Ollama", DependencyKind.Service, IsDown: true, "connection refused"));
        var queuedWhileDown = restarted.GetStatus().QueueLength;
        restarted.Publish(new DependencyStateChanged("Ollama", DependencyKind.Service, IsDown: false, "Ollama responds again."));
        await restarted.SendNextAsync(CancellationToken.None);

        Assert.Equal(0, queuedWhileDown);
        Assert.Equal(["Ollama is down", "Ollama is back up"], _gotify.AcceptedMessages.Select(m => m.GetProperty("title").GetString()));
        await using var db = after.OpenDatabase();
        var state = Assert.Single(await db.DependencyStates.ToListAsync());
        Assert.Equal("Service:Ollama", state.Key);
        Assert.False(state.IsDown);
    }

    [Fact]
    public async Task Restart_CooldownExpired_SendsAgain()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 1, 0, 0, TimeSpan.Zero));
        var waiting = new ApprovalWaiting(Guid.NewGuid(), "web-01", "restart-unit", "Low", ["systemctl", "restart", "nginx.service"], "nginx.service failed.");
        await using (var before = await StartAsync(time))
        {
            var notifier = before.Get<NotificationService>();
            notifier.Publish(waiting);
            await notifier.SendNextAsync(CancellationToken.None);
        }

        time.Advance(TimeSpan.FromHours(7));
        await using var after = await StartAsync(time);
        var restarted = after.Get<NotificationService>();
        await restarted.RestoreStateAsync(CancellationToken.None);
        restarted.Publish(waiting);
        await restarted.SendNextAsync(CancellationToken.None);

        Assert.Equal(2, _gotify.AcceptedMessages.Count);
    }

    private Task<CycleHarness> StartAsync(TimeProvider? time = null) =>
        CycleHarness.StartAsync(
            [new WorkingCollector()],
            settings: new Dictionary<string, string?>
            {
                ["Macha:DataDirectory"] = _data.Path,
                ["Macha:Notifications:Gotify:Url"] = _gotify.Uri.ToString(),
                ["Macha:Notifications:Gotify:TokenFile"] = _tokenFile,
                ["Macha:PublicUrl"] = "https://macha.example.org/",
            },
            configureServices: time is null ? null : services => services.AddSingleton<TimeProvider>(time));
}
