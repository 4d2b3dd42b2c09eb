using Microsoft.Extensions.Options;

namespace Macha.Core.Notifications;

/// <summary>
/// Decides which notifications go out and when: the cooldown per dedup key, one digest for a busy
/// health cycle, and quiet hours that hold everything but critical notifications until they end.
/// It is thread-safe, and every decision is made in memory under one lock without I/O, so callers never wait on Gotify.
/// </summary>
/// <remarks>
/// The cooldown and dependency states live in memory. Every change is also kept for
/// <see cref="TakeChanges"/>, which the notifier writes to SQLite in the background, and
/// <see cref="Restore"/> loads them at start, so a restart neither repeats a notification within
/// its cooldown nor announces a dependency that was already down.
/// </remarks>
internal sealed class NotificationPolicy
{
    /// <summary>Notifications kept during quiet hours; more are only counted in the digest.</summary>
    public const int MaxHeld = 50;

    // A cycle whose CycleFinished event never arrived (a subscriber that fell behind drops its oldest
    // events) is flushed after this, so its notifications are late instead of lost.
    private static readonly TimeSpan StaleBatchAge = TimeSpan.FromMinutes(10);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (DateTimeOffset SentAt, int Priority)> _lastSent = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, CycleBatch> _cycles = [];
    private readonly Dictionary<string, bool> _dependencyDown = new(StringComparer.Ordinal);
    private readonly List<Notification> _held = [];
    private readonly HashSet<string> _changedCooldowns = new(StringComparer.Ordinal);
    private readonly HashSet<string> _changedDependencies = new(StringComparer.Ordinal);
    private readonly IOptionsMonitor<NotificationOptions> _options;
    private readonly NotificationFormatter _formatter;
    private readonly TimeProvider _timeProvider;
    private int _heldOmitted;
    private long _suppressed;

    public NotificationPolicy(IOptionsMonitor<NotificationOptions> options, NotificationFormatter formatter, TimeProvider timeProvider)
    {
        _options = options;
        _formatter = formatter;
        _timeProvider = timeProvider;
    }

    /// <summary>Notifications not sent because the same one went out within the cooldown.</summary>
    public long SuppressedCount => Interlocked.Read(ref _suppressed);

    /// <summary>Notifications held until the quiet hours end.</summary>
    public int HeldCount
    {
        get
        {
            lock (_gate)
            {
                return _held.Count + _heldOmitted;
            }
        }
    }

    /// <summary>
    /// Loads the cooldown and dependency states stored before a restart. Entries already in memory
    /// win, because they are newer.
    /// </summary>
    public void Restore(IEnumerable<NotificationCooldownRecord> cooldowns, IEnumerable<DependencyStateRecord> dependencies)
    {
        ArgumentNullException.ThrowIfNull(cooldowns);
        ArgumentNullException.ThrowIfNull(dependencies);

        lock (_gate)
        {
            foreach (var cooldown in cooldowns)
            {
                _lastSent.TryAdd(cooldown.DedupKey, (cooldown.SentAt, cooldown.Priority));
            }

            foreach (var dependency in dependencies)
            {
                _dependencyDown.TryAdd(dependency.Key, dependency.IsDown);
            }
        }
    }

    /// <summary>Returns the cooldown and dependency states changed since the last call, for storing.</summary>
    public NotificationStateChanges TakeChanges()
    {
        lock (_gate)
        {
            var now = _timeProvider.GetUtcNow();
            var cooldowns = _changedCooldowns
                .Select(key => _lastSent.TryGetValue(key, out var sent)
                    ? new CooldownChange(key, new NotificationCooldownRecord { DedupKey = key, SentAt = sent.SentAt, Priority = sent.Priority })
                    : new CooldownChange(key, null))
                .ToList();
            var dependencies = _changedDependencies
                .Select(key => new DependencyStateRecord { Key = key, IsDown = _dependencyDown[key], ChangedAt = now })
                .ToList();
            _changedCooldowns.Clear();
            _changedDependencies.Clear();
            return new NotificationStateChanges(cooldowns, dependencies);
        }
    }

    /// <summary>Marks changes that could not be stored as changed again, so the next <see cref="TakeChanges"/> returns them.</summary>
    public void Requeue(NotificationStateChanges changes)
    {
        ArgumentNullException.ThrowIfNull(changes);

        lock (_gate)
        {
            _changedCooldowns.UnionWith(changes.Cooldowns.Select(c => c.DedupKey));
            _changedDependencies.UnionWith(changes.Dependencies.Select(d => d.Key));
        }
    }

    /// <summary>Returns what to send now for one notification from outside a health cycle: itself, or nothing.</summary>
    public IReadOnlyList<Notification> Admit(Notification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);

        lock (_gate)
        {
            var now = _timeProvider.GetUtcNow();
            return PassesCooldown(notification, now) ? ApplyQuietHours([notification], now) : [];
        }
    }

    /// <summary>Keeps a notification from a running health cycle until <see cref="FinishCycle"/>.</summary>
    public void AddToCycle(Guid runId, Notification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);

        lock (_gate)
        {
            if (!_cycles.TryGetValue(runId, out var batch))
            {
                batch = new CycleBatch(_timeProvider.GetUtcNow());
                _cycles[runId] = batch;
            }

            batch.Items.Add(notification);
        }
    }

    /// <summary>
    /// Returns what to send for a finished health cycle: each notification that passes the cooldown,
    /// or one digest when more than <see cref="NotificationOptions.DigestThreshold"/> pass.
    /// </summary>
    public IReadOnlyList<Notification> FinishCycle(Guid runId)
    {
        lock (_gate)
        {
            return _cycles.Remove(runId, out var batch) ? Release(runId, batch.Items) : [];
        }
    }

    /// <summary>
    /// Records a dependency's state and returns true when it changed between down and up. The first
    /// report of a dependency counts as a change only when it is down.
    /// </summary>
    public bool DependencyChanged(DependencyStateChanged dependency)
    {
        ArgumentNullException.ThrowIfNull(dependency);

        lock (_gate)
        {
            var key = $"{dependency.Kind}:{dependency.Name}";
            var known = _dependencyDown.TryGetValue(key, out var wasDown);
            if (!known || wasDown != dependency.IsDown)
            {
                _dependencyDown[key] = dependency.IsDown;
                _changedDependencies.Add(key);
            }

            return known ? wasDown != dependency.IsDown : dependency.IsDown;
        }
    }

    /// <summary>
    /// Returns what became due with time: the digest of held notifications once the quiet hours are
    /// over, and the notifications of cycles whose end was never reported. Also removes expired cooldown entries.
    /// </summary>
    public IReadOnlyList<Notification> ReleaseDue()
    {
        lock (_gate)
        {
            var now = _timeProvider.GetUtcNow();
            var due = new List<Notification>();
            foreach (var (runId, batch) in _cycles.Where(c => now - c.Value.StartedAt > StaleBatchAge).ToList())
            {
                _cycles.Remove(runId);
                due.AddRange(Release(runId, batch.Items));
            }

            if (_held.Count > 0 && !IsQuiet(now))
            {
                due.Add(_held.Count == 1 && _heldOmitted == 0
                    ? _held[0]
                    : _formatter.Digest(_held, "held during quiet hours", $"quiet-digest:{now.UtcTicks}", _heldOmitted));
                _held.Clear();
                _heldOmitted = 0;
            }

            var cooldown = _options.CurrentValue.Cooldown;
            foreach (var key in _lastSent.Where(entry => now - entry.Value.SentAt >= cooldown).Select(entry => entry.Key).ToList())
            {
                _lastSent.Remove(key);
                _changedCooldowns.Add(key);
            }

            return due;
        }
    }

    /// <summary>Returns true when <paramref name="now"/> falls in the configured quiet hours, in the machine's local time.</summary>
    public bool IsQuiet(DateTimeOffset now)
    {
        var options = _options.CurrentValue;
        if (options.QuietHoursStart is not { } start || options.QuietHoursEnd is not { } end)
        {
            return false;
        }

        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, _timeProvider.LocalTimeZone).DateTime);
        return start < end
            ? local >= start && local < end
            : local >= start || local < end;
    }

    private List<Notification> Release(Guid runId, List<Notification> items)
    {
        var now = _timeProvider.GetUtcNow();
        var passed = items.Where(n => PassesCooldown(n, now)).ToList();
        if (passed.Count > _options.CurrentValue.DigestThreshold)
        {
            passed = [_formatter.Digest(passed, "from one health cycle", $"cycle-digest:{runId:D}")];
        }

        return ApplyQuietHours(passed, now);
    }

    // A notification passes when its key was not sent within the cooldown, or was sent at a lower
    // priority (an incident that turned critical). Passing records it as sent.
    private bool PassesCooldown(Notification notification, DateTimeOffset now)
    {
        if (_lastSent.TryGetValue(notification.DedupKey, out var last)
            && now - last.SentAt < _options.CurrentValue.Cooldown
            && notification.Priority <= last.Priority)
        {
            Interlocked.Increment(ref _suppressed);
            return false;
        }

        _lastSent[notification.DedupKey] = (now, notification.Priority);
        _changedCooldowns.Add(notification.DedupKey);
        return true;
    }

    private List<Notification> ApplyQuietHours(List<Notification> notifications, DateTimeOffset now)
    {
        if (!IsQuiet(now))
        {
            return notifications;
        }

        var send = new List<Notification>();
        foreach (var notification in notifications)
        {
            if (notification.IsCritical)
            {
                send.Add(notification);
            }
            else if (_held.Count < MaxHeld)
            {
                _held.Add(notification);
            }
            else
            {
                _heldOmitted++;
            }
        }

        return send;
    }

    private sealed record CycleBatch(DateTimeOffset StartedAt)
    {
        public List<Notification> Items { get; } = [];
    }
}

/// <summary>A changed cooldown entry; <paramref name="Entry"/> is null when the entry expired and is to be deleted.</summary>
internal sealed record CooldownChange(string DedupKey, NotificationCooldownRecord? Entry);

/// <summary>What changed in <see cref="NotificationPolicy"/> since it was last stored.</summary>
internal sealed record NotificationStateChanges(IReadOnlyList<CooldownChange> Cooldowns, IReadOnlyList<DependencyStateRecord> Dependencies)
{
    public bool IsEmpty => Cooldowns.Count == 0 && Dependencies.Count == 0;
}
