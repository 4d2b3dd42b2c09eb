using System.Text.Json;
using Macha.Core.Actions;
using Macha.Core.Actions.Autonomy;
using Macha.Core.Analysis.Decisions;
using Macha.Core.Approvals;
using Macha.Core.Cycle;
using Macha.Core.Incidents;
using Macha.Core.Notifications;
using Macha.Core.Storage;
using Macha.Tests.Approvals;
using Macha.Tests.Cycle;
using Macha.Tests.Fakes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Macha.Tests.Notifications;

/// <summary>
/// Every event that Macha notifies, produced through Macha's real service graph where a source
/// exists, and the exact message the fake Gotify server received for it: title, Markdown body,
/// priority and the click URL nested in extras.
/// </summary>
public sealed class NotificationEventTests : IAsyncLifetime, IDisposable
{
    private const string PublicUrl = "https://macha.example.org/";
    private const string RestartLine = "sudo -n systemctl restart -- nginx.service";
    private const string IsActiveLine = "systemctl is-active -- nginx.service";

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

    public void Dispose() => _tokenDirectory.Dispose();

    [Fact]
    public async Task ApproveAndRun_Succeeds_LinksTheApproval()
    {
        await using var harness = await StartAsync(new ReplayShell("test-host").WithCommand(RestartLine, "").WithCommand(IsActiveLine, "active\n"));
        var id = await EnqueueAsync(harness);
        var notifier = harness.Get<NotificationService>();
        await notifier.SendNextAsync(CancellationToken.None);

        await harness.Get<ApprovalRunner>().ApproveAndRunAsync(id, "alice", "go ahead");
        await notifier.SendNextAsync(CancellationToken.None);

        Assert.Equal(2, _gotify.AcceptedMessages.Count);
        var message = _gotify.AcceptedMessages[1];
        Assert.Equal("Action succeeded on test-host: restart-unit nginx.service", Title(message));
        Assert.Equal(NotificationPriority.ActionSucceeded, Priority(message));
        Assert.Equal($"{PublicUrl}approvals/{id:D}", ClickUrl(message));
        var body = Body(message);
        Assert.StartsWith("**Approved action succeeded** on test\\-host: restart\\-unit nginx\\.service", body, StringComparison.Ordinal);
        Assert.Contains("Approved by alice.", body, StringComparison.Ordinal);
        Assert.EndsWith($"[Open the approval]({PublicUrl}approvals/{id:D})", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApproveAndRun_Fails_SendsCriticalOutcome()
    {
        await using var harness = await StartAsync(new ReplayShell("test-host").WithCommand(RestartLine, "", exitCode: 1, standardError: "Job for nginx.service failed."));
        var id = await EnqueueAsync(harness);
        var notifier = harness.Get<NotificationService>();
        await notifier.SendNextAsync(CancellationToken.None);

        await harness.Get<ApprovalRunner>().ApproveAndRunAsync(id, "alice", null);
        await notifier.SendNextAsync(CancellationToken.None);

        var message = _gotify.AcceptedMessages[^1];
        Assert.Equal("Action failed on test-host: restart-unit nginx.service", Title(message));
        Assert.Equal(NotificationPriority.ActionFailed, Priority(message));
        Assert.True(NotificationPriority.IsCritical(Priority(message)));
        Assert.Equal($"{PublicUrl}approvals/{id:D}", ClickUrl(message));
        Assert.StartsWith("**Approved action failed**", Body(message), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApproveAndRun_ProtectedUnit_SendsFailedOutcome()
    {
        var shell = new ReplayShell("test-host");
        await using var harness = await StartAsync(shell);
        var id = await EnqueueAsync(harness, "sshd.service");
        var notifier = harness.Get<NotificationService>();
        await notifier.SendNextAsync(CancellationToken.None);

        await harness.Get<ApprovalRunner>().ApproveAndRunAsync(id, "alice", null);
        await notifier.SendNextAsync(CancellationToken.None);

        var message = _gotify.AcceptedMessages[^1];
        Assert.Empty(shell.CommandsRun);
        Assert.Equal("Action failed on test-host: restart-unit sshd.service", Title(message));
        Assert.Contains("protected unit", Body(message), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_EveryEventKind_SendsExpectedMessage()
    {
        await using var harness = await StartAsync(new ReplayShell("test-host"));
        var notifier = harness.Get<NotificationService>();
        var approvalId = Guid.NewGuid();
        var runId = Guid.NewGuid();
        var pausedAt = new DateTimeOffset(2026, 12, 5, 2, 0, 0, TimeSpan.Zero);

        notifier.OnCycleEvent(new HostFinished(runId, pausedAt, "web-01", 1, [Change(IncidentChangeKind.Opened, "Critical")]));
        notifier.OnCycleEvent(new CycleFinished(runId, pausedAt, CycleState.Completed, 1, 10));
        var resolvedRun = Guid.NewGuid();
        notifier.OnCycleEvent(new HostFinished(resolvedRun, pausedAt, "web-01", 0, [Change(IncidentChangeKind.Resolved, "Critical") with { Reason = "Clean for 3 cycles." }]));
        notifier.OnCycleEvent(new CycleFinished(resolvedRun, pausedAt, CycleState.Completed, 0, 10));
        notifier.Publish(new ApprovalWaiting(approvalId, "web-01", "restart-unit", "Low", ["sudo", "-n", "systemctl", "restart", "--", "nginx.service"], "nginx.service failed."));
        notifier.Publish(new ActionFinished("web-01", "restart-unit", "nginx.service", Succeeded: true, "nginx.service is active.", "restart-unit:web-01:nginx.service"));
        notifier.Publish(new ActionFinished("web-01", "reset-failed", "php-fpm.service", Succeeded: false, "php-fpm.service is still failed.", "reset-failed:web-01:php-fpm.service"));
        notifier.Publish(new ActionFinished("web-01", "rebuild-nixos", null, Succeeded: false, "The new generation failed its checks. Rolled back.", "rebuild-nixos:web-01", RolledBack: true, ApprovalId: approvalId, ApprovedBy: "alice"));
        notifier.Publish(new DependencyStateChanged("Ollama", DependencyKind.Service, IsDown: true, "connection refused"));
        notifier.Publish(new DependencyStateChanged("ChromaDB", DependencyKind.Service, IsDown: true, "connection refused"));
        notifier.Publish(new DependencyStateChanged("web-02", DependencyKind.Host, IsDown: true, "ssh: connect to host web-02 port 22: Connection timed out"));
        notifier.Publish(new DependencyStateChanged("Ollama", DependencyKind.Service, IsDown: false, "Ollama answers again."));
        var paused = new AutonomyState(AutonomyLevel.AutoSafe, AutonomyLevel.Observe, Paused: true, pausedAt, "alice", "Maintenance window");
        notifier.OnAutonomyChanged(new AutonomyChanged(paused, "alice", pausedAt));
        notifier.OnAutonomyChanged(new AutonomyChanged(paused with { Paused = false, EffectiveLevel = AutonomyLevel.AutoSafe, Reason = null }, "bob", pausedAt.AddHours(1)));
        var expected = new (string Title, int Priority, string ClickUrl, string BodyStart)[]
        {
            ("Critical on web-01: nginx.service failed", NotificationPriority.IncidentCritical, PublicUrl, "**New incident** (critical) on web\\-01: nginx\\.service failed"),
            ("Resolved on web-01: nginx.service failed", NotificationPriority.IncidentResolved, PublicUrl, "**Resolved** on web\\-01: nginx\\.service failed"),
            ("Approval needed on web-01: restart-unit nginx.service", NotificationPriority.ApprovalWaiting, $"{PublicUrl}approvals/{approvalId:D}", "**restart\\-unit** on web\\-01 waits for approval (risk Low)."),
            ("Action succeeded on web-01: restart-unit nginx.service", NotificationPriority.ActionSucceeded, PublicUrl, "**Automatic action succeeded** on web\\-01"),
            ("Action failed on web-01: reset-failed php-fpm.service", NotificationPriority.ActionFailed, PublicUrl, "**Automatic action failed** on web\\-01"),
            ("Action rolled back on web-01: rebuild-nixos", NotificationPriority.ActionFailed, $"{PublicUrl}approvals/{approvalId:D}", "**Approved action rolled back** on web\\-01"),
            ("Ollama is down", NotificationPriority.DependencyDown, PublicUrl, "**Down**: Ollama"),
            ("ChromaDB is down", NotificationPriority.DependencyDown, PublicUrl, "**Down**: ChromaDB"),
            ("Host web-02 is unreachable", NotificationPriority.HostUnreachable, PublicUrl, "**Down**: Host web\\-02"),
            ("Ollama is back up", NotificationPriority.DependencyUp, PublicUrl, "**Back up**: Ollama"),
            ("Autonomy paused by alice", NotificationPriority.AutonomyChanged, PublicUrl, "**Autonomy paused** by alice."),
            ("Autonomy resumed by bob", NotificationPriority.AutonomyChanged, PublicUrl, "**Autonomy resumed** by bob."),
        };

        for (var i = 0; i < expected.Length; i++)
        {
            await notifier.SendNextAsync(CancellationToken.None);
        }

        var messages = _gotify.AcceptedMessages;
        Assert.Equal(expected.Length, messages.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Title, Title(messages[i]));
            Assert.Equal(expected[i].Priority, Priority(messages[i]));
            Assert.Equal(expected[i].ClickUrl, ClickUrl(messages[i]));
            Assert.StartsWith(expected[i].BodyStart, Body(messages[i]), StringComparison.Ordinal);
            Assert.Equal("text/markdown", messages[i].GetProperty("extras").GetProperty("client::display").GetProperty("contentType").GetString());
        }

        Assert.Contains("Reason: Maintenance window", Body(messages[10]), StringComparison.Ordinal);
        Assert.Contains("Approved by alice.", Body(messages[5]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("macha.example.org/")]
    [InlineData("/approvals")]
    [InlineData("macha.local:5380")]
    [InlineData("ftp://macha.example.org/")]
    [InlineData("https://user:secret@macha.example.org/")]
    public void PublicUrl_NotAbsoluteHttp_FailsStart(string publicUrl)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Macha:Notifications:Gotify:Url"] = _gotify.Uri.ToString(),
            ["Macha:Notifications:Gotify:TokenFile"] = _tokenFile,
            ["Macha:PublicUrl"] = publicUrl,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<Macha.Core.Storage.Audit.SecretRedactor>();
        services.AddMachaNotifications(configuration);
        using var provider = services.BuildServiceProvider();

        var failure = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<NotificationOptions>>().Value);

        Assert.Contains("Macha:PublicUrl", failure.Message, StringComparison.Ordinal);
    }

    private Task<CycleHarness> StartAsync(ReplayShell shell) =>
        CycleHarness.StartAsync(
            [new WorkingCollector()],
            hosts: [shell],
            settings: new Dictionary<string, string?>
            {
                ["Macha:Actions:RestartSettleTime"] = "00:00:00",
                ["Macha:Notifications:Gotify:Url"] = _gotify.Uri.ToString(),
                ["Macha:Notifications:Gotify:TokenFile"] = _tokenFile,
                ["Macha:PublicUrl"] = PublicUrl,
            });

    private static async Task<Guid> EnqueueAsync(CycleHarness harness, string unit = "nginx.service")
    {
        var proposal = new ProposedAction
        {
            Kind = ActionKinds.RestartUnit,
            Unit = unit,
            Reason = $"{unit} failed 3 minutes ago.",
            ExpectedEffect = $"{unit} is active again.",
            Undo = "None needed; a restart changes no configuration.",
        };
        var request = ApprovalTestData.Request($"restart-unit:test-host:{unit}") with
        {
            HostName = "test-host",
            Argv = ["sudo", "-n", "systemctl", "restart", "--", unit],
            ProposalJson = JsonSerializer.Serialize(proposal),
        };
        return (await harness.Get<ApprovalQueue>().EnqueueAsync(request)).Approval.Id;
    }

    private static IncidentChange Change(IncidentChangeKind kind, string severity) =>
        new(Guid.NewGuid(), "web-01", "fp-nginx", kind, "Detected by the failed-unit check.")
        {
            IncidentKind = "FailedUnit",
            Subject = "nginx.service",
            Severity = severity,
            Summary = "nginx.service failed",
        };

    private static string? Title(JsonElement message) => message.GetProperty("title").GetString();

    private static int Priority(JsonElement message) => message.GetProperty("priority").GetInt32();

    private static string Body(JsonElement message) => message.GetProperty("message").GetString()!;

    private static string? ClickUrl(JsonElement message) =>
        message.GetProperty("extras").GetProperty("client::notification").GetProperty("click").GetProperty("url").GetString();
}
