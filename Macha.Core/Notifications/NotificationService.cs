using Macha.Core.Actions.Autonomy;
using Macha.Core.Configuration;
using Macha.Core.Cycle;
using Macha.Core.Dependencies;
using Macha.Core.Monitoring;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Notifications;

/// <summary>
/// Takes events from the health cycle and the rest of Macha, passes them through
/// <see cref="NotificationPolicy"/> into a bounded queue, and sends them to Gotify in the background,
/// so no caller ever waits on Gotify. After a 401 or 403 it stops sending, shows itself misconfigured,
/// and starts again only when the options or the token file change.
/// </summary>
internal sealed partial class NotificationService : BackgroundService, INotificationSink, INotificationStatusProvider
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromMinutes(1);

    private readonly CycleEvents _cycleEvents;
    private readonly AutonomyEvents _autonomyEvents;
    private readonly NotificationPolicy _policy;
    private readonly NotificationFormatter _formatter;
    private readonly NotificationQueue _queue;
    private readonly NotificationStateStore _stateStore;
    private readonly GotifyClient _client;
    private readonly GotifyTokenSource _tokens;
    private readonly IOptionsMonitor<NotificationOptions> _options;
    private readonly IOptionsMonitor<MachaOptions> _machaOptions;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<NotificationService> _logger;
    private readonly IDisposable? _optionsChange;
    private readonly Lock _gate = new();

    // Collector results of each host in running cycles, keyed by run and host; only the pump writes it.
    private readonly Dictionary<(Guid RunId, string HostName), List<CollectorStatus>> _collectorResults = [];

    private long _optionsVersion;
    private long _sent;
    private long _failed;
    private long _skippedWhileMisconfigured;
    private DateTimeOffset? _lastSentAt;
    private DateTimeOffset? _lastFailureAt;
    private DateTimeOffset? _lastAttemptAt;
    private string? _degradedReason;
    private Misconfiguration? _misconfiguration;

    public NotificationService(
        CycleEvents cycleEvents,
        AutonomyEvents autonomyEvents,
        NotificationPolicy policy,
        NotificationFormatter formatter,
        NotificationQueue queue,
        NotificationStateStore stateStore,
        GotifyClient client,
        GotifyTokenSource tokens,
        IOptionsMonitor<NotificationOptions> options,
        IOptionsMonitor<MachaOptions> machaOptions,
        TimeProvider timeProvider,
        ILogger<NotificationService> logger)
    {
        _cycleEvents = cycleEvents;
        _autonomyEvents = autonomyEvents;
        _policy = policy;
        _formatter = formatter;
        _queue = queue;
        _stateStore = stateStore;
        _client = client;
        _tokens = tokens;
        _options = options;
        _machaOptions = machaOptions;
        _timeProvider = timeProvider;
        _logger = logger;
        _optionsChange = options.OnChange((_, _) => Interlocked.Increment(ref _optionsVersion));
    }

    /// <inheritdoc />
    public void Publish(NotificationEvent notificationEvent)
    {
        ArgumentNullException.ThrowIfNull(notificationEvent);

        try
        {
            if (!_options.CurrentValue.IsConfigured)
            {
                return;
            }

            var notification = notificationEvent switch
            {
                ApprovalWaiting approval => _formatter.ForApproval(approval),
                ActionFinished action => _formatter.ForAction(action),
                DependencyStateChanged dependency when _policy.DependencyChanged(dependency) => _formatter.ForDependency(dependency),
                _ => null,
            };
            if (notification is not null)
            {
                EnqueueAll(_policy.Admit(notification));
            }
        }
        catch (Exception ex)
        {
            // Publish runs on the paths of approvals and actions, so it catches every error instead of failing them.
            LogPublishFailed(ex, notificationEvent.GetType().Name);
        }
    }

    /// <summary>
    /// Sends a test message now, past the queue, the cooldown and a misconfiguration stop, so a person
    /// can check a fixed configuration. Success clears the misconfiguration.
    /// </summary>
    public async Task<GotifySendResult> SendTestAsync(CancellationToken cancellationToken = default)
    {
        var notification = _formatter.ForTest(_machaOptions.CurrentValue.ResolveLocalHostName(), _timeProvider.GetUtcNow());
        var result = await _client.SendAsync(notification, cancellationToken);
        Record(notification, result);
        return result;
    }

    public NotificationStatus GetStatus()
    {
        var options = _options.CurrentValue;
        lock (_gate)
        {
            var (state, reason) = CurrentState(options);
            return new NotificationStatus(
                state,
                reason,
                options.PublicUrl is not null,
                _lastSentAt,
                _lastFailureAt,
                _queue.Count,
                _sent,
                _failed,
                _queue.DroppedCount,
                _policy.SuppressedCount,
                _skippedWhileMisconfigured,
                _policy.HeldCount);
        }
    }

    /// <summary>Returns Gotify's entry for <c>GET /api/dependencies</c>: misconfigured shows as down, because nothing is sent.</summary>
    public DependencyStatus GetDependencyStatus()
    {
        var status = GetStatus();
        DateTimeOffset checkedAt;
        lock (_gate)
        {
            checkedAt = _lastAttemptAt ?? _timeProvider.GetUtcNow();
        }

        return status.State switch
        {
            NotifierState.NotConfigured => new(DependencyNames.Gotify, DependencyState.NotConfigured, status.Reason ?? "", checkedAt),
            NotifierState.Misconfigured => new(DependencyNames.Gotify, DependencyState.Down, status.Reason ?? "", checkedAt),
            NotifierState.Degraded => new(DependencyNames.Gotify, DependencyState.Degraded, status.Reason ?? "", checkedAt),
            _ => new(
                DependencyNames.Gotify,
                DependencyState.Ok,
                status.LastSentAt is { } sentAt ? $"Last message sent at {sentAt:u}." : "Configured; no message sent yet.",
                checkedAt),
        };
    }

    /// <summary>Loads the stored cooldowns before anything can publish, then starts the background loops.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await RestoreStateAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Loads the cooldowns still running and the dependency states stored before a restart.</summary>
    internal Task RestoreStateAsync(CancellationToken cancellationToken) =>
        _stateStore.RestoreAsync(_policy, _timeProvider.GetUtcNow() - _options.CurrentValue.Cooldown, cancellationToken);

    public override void Dispose()
    {
        _optionsChange?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Started first, so the subscriptions exist before the first health cycle can finish.
        var cyclePump = PumpCycleEventsAsync(stoppingToken);
        var autonomyPump = PumpAutonomyEventsAsync(stoppingToken);
        LogStartState();

        try
        {
            await Task.WhenAll(cyclePump, autonomyPump, SendLoopAsync(stoppingToken), TickLoopAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Moves what became due with time into the queue: quiet-hours digests and cycles whose end was missed.</summary>
    internal void ReleaseDue() => EnqueueAll(_policy.ReleaseDue());

    /// <summary>Handles one cycle event; the pump calls it, and tests call it directly.</summary>
    internal void OnCycleEvent(CycleEvent cycleEvent)
    {
        if (!_options.CurrentValue.IsConfigured)
        {
            return;
        }

        switch (cycleEvent)
        {
            case CollectorFinished collector:
                var key = (collector.RunId, collector.HostName);
                if (!_collectorResults.TryGetValue(key, out var results))
                {
                    results = [];
                    _collectorResults[key] = results;
                }

                results.Add(collector.Status);
                break;
            case HostFinished host:
                ReportHostReachability(host);
                foreach (var change in host.IncidentChanges)
                {
                    if (_formatter.ForIncident(change, host.RunId) is { } notification)
                    {
                        _policy.AddToCycle(host.RunId, notification);
                    }
                }

                break;
            case CycleFinished finished:
                foreach (var stale in _collectorResults.Keys.Where(k => k.RunId == finished.RunId).ToList())
                {
                    _collectorResults.Remove(stale);
                }

                EnqueueAll(_policy.FinishCycle(finished.RunId));
                break;
        }
    }

    // A host whose every collector failed or timed out counts as unreachable: that is what an SSH
    // host that refuses connections, or a local host whose commands all hang, looks like. A collector
    // that is unavailable (no systemd in a container) tells nothing about reachability.
    private void ReportHostReachability(HostFinished host)
    {
        if (!_collectorResults.Remove((host.RunId, host.HostName), out var results))
        {
            return;
        }

        var judged = results.Where(r => r.State != CollectorState.Unavailable).ToList();
        if (judged.Count == 0)
        {
            return;
        }

        var down = judged.All(r => r.State is CollectorState.Failed or CollectorState.TimedOut);
        var detail = down
            ? $"Every check failed or timed out, such as {judged[0].Name}: {judged[0].Detail}"
            : $"{judged.Count(r => r.State is CollectorState.Ok or CollectorState.Partial)} of {judged.Count} checks ran.";
        Publish(new DependencyStateChanged(host.HostName, DependencyKind.Host, down, detail));
    }

    /// <summary>Handles one pause or resume; the pump calls it, and tests call it directly.</summary>
    internal void OnAutonomyChanged(AutonomyChanged change)
    {
        if (_options.CurrentValue.IsConfigured)
        {
            EnqueueAll(_policy.Admit(_formatter.ForAutonomy(change)));
        }
    }

    /// <summary>Sends the next queued notification, or discards it while misconfigured, then stores the cooldowns.</summary>
    internal async Task SendNextAsync(CancellationToken cancellationToken)
    {
        var notification = await _queue.DequeueAsync(cancellationToken);
        if (IsStoppedByMisconfiguration())
        {
            lock (_gate)
            {
                _skippedWhileMisconfigured++;
            }

            LogSkipped(notification.Kind);
        }
        else
        {
            var result = await _client.SendAsync(notification, cancellationToken);
            Record(notification, result);
        }

        await SaveStateAsync(cancellationToken);
    }

    /// <summary>Writes the policy's changed cooldown and dependency states to SQLite.</summary>
    internal async Task SaveStateAsync(CancellationToken cancellationToken)
    {
        var changes = _policy.TakeChanges();
        if (!await _stateStore.SaveAsync(changes, cancellationToken))
        {
            _policy.Requeue(changes);
        }
    }

    private async Task PumpCycleEventsAsync(CancellationToken cancellationToken)
    {
        await foreach (var cycleEvent in _cycleEvents.SubscribeAsync(cancellationToken))
        {
            try
            {
                OnCycleEvent(cycleEvent);
            }
            catch (Exception ex)
            {
                LogPublishFailed(ex, cycleEvent.GetType().Name);
            }
        }
    }

    private async Task PumpAutonomyEventsAsync(CancellationToken cancellationToken)
    {
        await foreach (var change in _autonomyEvents.SubscribeAsync(cancellationToken))
        {
            try
            {
                OnAutonomyChanged(change);
            }
            catch (Exception ex)
            {
                LogPublishFailed(ex, nameof(AutonomyChanged));
            }
        }
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await SendNextAsync(cancellationToken);
        }
    }

    private async Task TickLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TickInterval, _timeProvider);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            ReleaseDue();
            await SaveStateAsync(cancellationToken);
        }
    }

    private void EnqueueAll(IReadOnlyList<Notification> notifications)
    {
        foreach (var notification in notifications)
        {
            if (!_queue.Enqueue(notification))
            {
                LogDropped(notification.Kind, _queue.DroppedCount);
            }
        }
    }

    private bool IsStoppedByMisconfiguration()
    {
        Misconfiguration? misconfiguration;
        lock (_gate)
        {
            misconfiguration = _misconfiguration;
        }

        if (misconfiguration is null)
        {
            return false;
        }

        // Reading the token file per queued notification is cheap: a few a cycle at most.
        if (Interlocked.Read(ref _optionsVersion) == misconfiguration.OptionsVersion
            && _tokens.Read().Version == misconfiguration.TokenVersion)
        {
            return true;
        }

        lock (_gate)
        {
            _misconfiguration = null;
        }

        LogConfigurationChanged();
        return false;
    }

    private void Record(Notification notification, GotifySendResult result)
    {
        var now = _timeProvider.GetUtcNow();
        switch (result.Status)
        {
            case GotifySendStatus.Sent:
                lock (_gate)
                {
                    _sent++;
                    _lastSentAt = now;
                    _lastAttemptAt = now;
                    _degradedReason = null;
                    _misconfiguration = null;
                }

                LogNotificationSent(notification.Kind, notification.Priority, result.MessageId);
                break;
            case GotifySendStatus.Failed:
                lock (_gate)
                {
                    _failed++;
                    _lastFailureAt = now;
                    _lastAttemptAt = now;
                    _degradedReason = result.Detail;
                }

                LogSendFailed(notification.Kind, result.Detail);
                break;
            case GotifySendStatus.Misconfigured:
                MarkMisconfigured(result.Detail, result.TokenVersion ?? "", now);
                break;
        }
    }

    private void MarkMisconfigured(string reason, string tokenVersion, DateTimeOffset now)
    {
        lock (_gate)
        {
            _failed++;
            _lastFailureAt = now;
            _lastAttemptAt = now;
            _misconfiguration = new Misconfiguration(reason, tokenVersion, Interlocked.Read(ref _optionsVersion));
        }

        LogMisconfigured(reason);
    }

    private (NotifierState State, string? Reason) CurrentState(NotificationOptions options)
    {
        if (!options.IsConfigured)
        {
            return (NotifierState.NotConfigured, "Gotify notifications are off: Macha:Notifications:Gotify:Url is not set.");
        }

        if (_misconfiguration is { } misconfiguration)
        {
            return (NotifierState.Misconfigured, misconfiguration.Reason);
        }

        return _degradedReason is { } degraded ? (NotifierState.Degraded, degraded) : (NotifierState.Ok, null);
    }

    private void LogStartState()
    {
        var options = _options.CurrentValue;
        if (!options.IsConfigured)
        {
            LogNotConfigured();
            return;
        }

        var endpoint = options.MessageEndpoint();
        LogConfigured(endpoint);
        if (options.PublicUrl is null)
        {
            LogNoPublicUrl();
        }

        var token = _tokens.Read();
        if (!token.IsUsable)
        {
            MarkMisconfigured(token.Problem!, token.Version, _timeProvider.GetUtcNow());
        }
    }

    private sealed record Misconfiguration(string Reason, string TokenVersion, long OptionsVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Gotify notifications are off: Macha:Notifications:Gotify:Url is not set")]
    private partial void LogNotConfigured();

    [LoggerMessage(Level = LogLevel.Information, Message = "Gotify notifications go to {GotifyEndpoint}")]
    private partial void LogConfigured(Uri gotifyEndpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Macha:PublicUrl is not set, so approval notifications carry no link to the approval page; set it to Macha's address as a phone reaches it")]
    private partial void LogNoPublicUrl();

    [LoggerMessage(Level = LogLevel.Information, Message = "Gotify notification sent: {NotificationKind} at priority {Priority}, Gotify message {GotifyMessageId}")]
    private partial void LogNotificationSent(NotificationKind notificationKind, int priority, long? gotifyMessageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gotify notification {NotificationKind} not sent after every retry: {Reason}")]
    private partial void LogSendFailed(NotificationKind notificationKind, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gotify notifier misconfigured, nothing is sent until the options or the token file change: {Reason}")]
    private partial void LogMisconfigured(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Gotify configuration changed; sending notifications again")]
    private partial void LogConfigurationChanged();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Gotify notification {NotificationKind} discarded: the notifier is misconfigured")]
    private partial void LogSkipped(NotificationKind notificationKind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification queue full; dropped a notification to make room for {NotificationKind} ({DroppedCount} dropped so far)")]
    private partial void LogDropped(NotificationKind notificationKind, long droppedCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Building a notification for {EventType} failed; the event is not notified")]
    private partial void LogPublishFailed(Exception exception, string eventType);
}
