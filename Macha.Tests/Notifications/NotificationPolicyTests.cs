using Macha.Core.Incidents;
using Macha.Core.Notifications;
using Macha.Core.Storage.Audit;
using Macha.Tests.Detection;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Notifications;

public sealed class NotificationPolicyTests
{
    private static readonly Guid RunId = Guid.Parse("5d0f3f7e-55b1-4a5e-8b53-7f1c2f1f6a01");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private readonly NotificationOptions _options = new()
    {
        GotifyUrl = new Uri("http://127.0.0.1:1/"),
        TokenFile = "/run/credentials/macha/gotify-token",
        PublicUrl = new Uri("https://macha.example.org/"),
        Cooldown = TimeSpan.FromHours(1),
        DigestThreshold = 3,
    };

    private readonly NotificationPolicy _policy;
    private readonly NotificationFormatter _formatter;

    public NotificationPolicyTests()
    {
        _time.SetLocalTimeZone(TimeZoneInfo.Utc);
        var monitor = new TestOptionsMonitor<NotificationOptions>(_options);
        _formatter = new NotificationFormatter(monitor, new SecretRedactor());
        _policy = new NotificationPolicy(monitor, _formatter, _time);
    }

    [Fact]
    public void Admit_SameFingerprintWithinCooldown_Suppressed()
    {
        var first = _policy.Admit(Incident("nginx.service failed"));
        var reworded = _policy.Admit(Incident("nginx.service has failed (exit code 1)"));

        Assert.Single(first);
        Assert.Empty(reworded);
        Assert.Equal(1, _policy.SuppressedCount);
    }

    [Fact]
    public void Admit_AfterCooldown_SentAgain()
    {
        _policy.Admit(Incident("nginx.service failed"));

        _time.Advance(TimeSpan.FromHours(1));
        var again = _policy.Admit(Incident("nginx.service failed"));

        Assert.Single(again);
    }

    [Fact]
    public void Admit_HigherPriorityWithinCooldown_Sent()
    {
        _policy.Admit(Incident("disk / 91% full", "Warning"));

        var critical = _policy.Admit(Incident("disk / 97% full", "Critical"));
        var warningAgain = _policy.Admit(Incident("disk / 92% full", "Warning"));

        Assert.Equal(NotificationPriority.IncidentCritical, Assert.Single(critical).Priority);
        Assert.Empty(warningAgain);
    }

    [Fact]
    public void Admit_OtherFingerprint_NotSuppressed()
    {
        _policy.Admit(Incident("nginx.service failed", fingerprint: "aaa"));

        var other = _policy.Admit(Incident("nginx.service failed", fingerprint: "bbb"));

        Assert.Single(other);
    }

    [Fact]
    public void FinishCycle_AtThreshold_SendsEachNotification()
    {
        for (var i = 0; i < 3; i++)
        {
            _policy.AddToCycle(RunId, Incident($"unit{i}.service failed", fingerprint: $"f{i}"));
        }

        var sent = _policy.FinishCycle(RunId);

        Assert.Equal(3, sent.Count);
        Assert.All(sent, n => Assert.Equal(NotificationKind.IncidentOpened, n.Kind));
    }

    [Fact]
    public void FinishCycle_AboveThreshold_SendsOneDigestAtHighestPriority()
    {
        for (var i = 0; i < 11; i++)
        {
            _policy.AddToCycle(RunId, Incident($"unit{i}.service failed", i == 7 ? "Critical" : "Warning", $"f{i}"));
        }

        var sent = _policy.FinishCycle(RunId);

        var digest = Assert.Single(sent);
        Assert.Equal(NotificationKind.Digest, digest.Kind);
        Assert.Equal(NotificationPriority.IncidentCritical, digest.Priority);
        Assert.Equal("Macha: 11 notifications from one health cycle", digest.Title);
        Assert.StartsWith("**11 notifications from one health cycle**\n- Critical on web\\-01\\: unit7\\.service failed", digest.Message, StringComparison.Ordinal);
        Assert.Contains("\n- and 1 more", digest.Message, StringComparison.Ordinal);
        Assert.Equal(new Uri("https://macha.example.org/"), digest.ClickUrl);
    }

    [Fact]
    public void FinishCycle_RepeatsInCycle_CountedBeforeDigest()
    {
        for (var i = 0; i < 4; i++)
        {
            _policy.Admit(Incident($"unit{i}.service failed", fingerprint: $"f{i}"));
        }

        for (var i = 0; i < 5; i++)
        {
            _policy.AddToCycle(RunId, Incident($"unit{i}.service failed", fingerprint: $"f{i}"));
        }

        var sent = _policy.FinishCycle(RunId);

        Assert.Equal(NotificationKind.IncidentOpened, Assert.Single(sent).Kind);
    }

    [Fact]
    public void FinishCycle_UnknownRun_SendsNothing()
    {
        Assert.Empty(_policy.FinishCycle(Guid.NewGuid()));
    }

    [Fact]
    public void ReleaseDue_CycleEndNeverReported_FlushedAfterTenMinutes()
    {
        _policy.AddToCycle(RunId, Incident("nginx.service failed"));

        var early = _policy.ReleaseDue();
        _time.Advance(TimeSpan.FromMinutes(11));
        var late = _policy.ReleaseDue();

        Assert.Empty(early);
        Assert.Single(late);
    }

    [Fact]
    public void Admit_QuietHours_HoldsNonCriticalUntilTheyEnd()
    {
        _options.QuietHoursStart = new TimeOnly(22, 0);
        _options.QuietHoursEnd = new TimeOnly(7, 0);
        _time.SetUtcNow(new DateTimeOffset(2026, 12, 4, 23, 30, 0, TimeSpan.Zero));

        var warning = _policy.Admit(Incident("disk / 91% full", "Warning", "f1"));
        var resolved = _policy.Admit(Incident("nginx.service failed", fingerprint: "f2", resolved: true));
        var during = _policy.ReleaseDue();
        _time.SetUtcNow(new DateTimeOffset(2026, 12, 5, 7, 0, 0, TimeSpan.Zero));
        var after = _policy.ReleaseDue();

        Assert.Empty(warning);
        Assert.Empty(resolved);
        Assert.Empty(during);
        var digest = Assert.Single(after);
        Assert.Equal(NotificationKind.Digest, digest.Kind);
        Assert.Equal("Macha: 2 notifications held during quiet hours", digest.Title);
        Assert.Equal(0, _policy.HeldCount);
    }

    [Fact]
    public void Admit_QuietHoursCritical_SentAtOnce()
    {
        _options.QuietHoursStart = new TimeOnly(22, 0);
        _options.QuietHoursEnd = new TimeOnly(7, 0);
        _time.SetUtcNow(new DateTimeOffset(2026, 12, 5, 3, 0, 0, TimeSpan.Zero));

        var critical = _policy.Admit(Incident("nginx.service failed", "Critical"));

        Assert.Single(critical);
    }

    [Fact]
    public void ReleaseDue_OneHeldNotification_SentAsItself()
    {
        _options.QuietHoursStart = new TimeOnly(1, 0);
        _options.QuietHoursEnd = new TimeOnly(2, 0);
        _time.SetUtcNow(new DateTimeOffset(2026, 12, 5, 1, 30, 0, TimeSpan.Zero));
        _policy.Admit(Incident("disk / 91% full", "Warning"));

        _time.Advance(TimeSpan.FromMinutes(31));
        var released = _policy.ReleaseDue();

        Assert.Equal(NotificationKind.IncidentOpened, Assert.Single(released).Kind);
    }

    [Theory]
    [InlineData(21, 59, false)]
    [InlineData(22, 0, true)]
    [InlineData(3, 0, true)]
    [InlineData(6, 59, true)]
    [InlineData(7, 0, false)]
    public void IsQuiet_SpanningMidnight_MatchesLocalTime(int hour, int minute, bool expected)
    {
        _options.QuietHoursStart = new TimeOnly(22, 0);
        _options.QuietHoursEnd = new TimeOnly(7, 0);

        Assert.Equal(expected, _policy.IsQuiet(new DateTimeOffset(2026, 12, 4, hour, minute, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void IsQuiet_LocalTimeZone_UsesIt()
    {
        _options.QuietHoursStart = new TimeOnly(22, 0);
        _options.QuietHoursEnd = new TimeOnly(7, 0);
        _time.SetLocalTimeZone(TimeZoneInfo.CreateCustomTimeZone("plus-two", TimeSpan.FromHours(2), "plus-two", "plus-two"));

        Assert.True(_policy.IsQuiet(new DateTimeOffset(2026, 12, 4, 20, 30, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void DependencyChanged_OnlyTransitions_ReturnTrue()
    {
        var up = new DependencyStateChanged("Ollama", DependencyKind.Service, IsDown: false, "answered");
        var down = up with { IsDown = true, Detail = "connection refused" };

        Assert.False(_policy.DependencyChanged(up));
        Assert.True(_policy.DependencyChanged(down));
        Assert.False(_policy.DependencyChanged(down with { Detail = "timed out" }));
        Assert.True(_policy.DependencyChanged(up));
    }

    private Notification Incident(string summary, string severity = "Critical", string fingerprint = "fp-nginx", bool resolved = false) =>
        _formatter.ForIncident(
            new IncidentChange(Guid.NewGuid(), "web-01", fingerprint, resolved ? IncidentChangeKind.Resolved : IncidentChangeKind.Opened, "First seen.")
            {
                IncidentKind = "FailedUnit",
                Subject = "nginx.service",
                Severity = severity,
                Summary = summary,
            },
            RunId)!;
}
