using Macha.Core.Detection;
using Macha.Core.Detection.Detectors;
using Macha.Core.Monitoring;

namespace Macha.Tests.Detection;

public sealed class JournalEventDetectorTests
{
    private static readonly DateTimeOffset FirstSeen = SnapshotBuilder.TakenAt.AddMinutes(-4);

    [Fact]
    public void Detect_HealthyBaseline_ReturnsNoFindings()
    {
        Assert.Empty(Detect(new SnapshotBuilder().Build()));
    }

    [Fact]
    public void Detect_NoEventsRead_ReturnsNoFindings()
    {
        Assert.Empty(Detect(WithEvents(null)));
    }

    [Fact]
    public void Detect_JournalSectionMissing_ReturnsNoFindings()
    {
        Assert.Empty(Detect(new SnapshotBuilder().WithoutJournal().Build()));
    }

    [Theory]
    [InlineData(JournalEventKind.OomKill, FindingKind.OomKill, Severity.Critical)]
    [InlineData(JournalEventKind.MountFailed, FindingKind.MountFailed, Severity.Critical)]
    [InlineData(JournalEventKind.DiskFull, FindingKind.DiskFullError, Severity.Critical)]
    [InlineData(JournalEventKind.CoreDump, FindingKind.CoreDump, Severity.Warning)]
    [InlineData(JournalEventKind.Segfault, FindingKind.Segfault, Severity.Warning)]
    public void Detect_OneEvent_ReturnsFindingOfItsKind(JournalEventKind eventKind, FindingKind findingKind, Severity severity)
    {
        var finding = Assert.Single(Detect(WithEvents([Event(eventKind, "subject.service")])));

        Assert.Equal(findingKind, finding.Kind);
        Assert.Equal(severity, finding.Severity);
        Assert.Equal("subject.service", finding.Subject);
    }

    [Fact]
    public void Detect_OomKill_EvidenceHasVictimPidAndRss()
    {
        var oom = Event(JournalEventKind.OomKill, "systemd-journal") with
        {
            ProcessId = 401,
            ProcessName = "systemd-journal",
            Memory = new OomVictimMemory(32724, 1112, 8888, 4),
            Invoker = "systemd-journal",
        };

        var finding = Assert.Single(Detect(WithEvents([oom])));

        Assert.Contains("pid=401", finding.Evidence, StringComparison.Ordinal);
        Assert.Contains("anon_rss=1.1MiB", finding.Evidence, StringComparison.Ordinal);
        Assert.Contains("file_rss=8.7MiB", finding.Evidence, StringComparison.Ordinal);
        Assert.Contains("invoker=systemd-journal", finding.Evidence, StringComparison.Ordinal);
        Assert.Equal("The OOM killer killed systemd-journal once since the last check because memory ran out.", finding.Summary);
    }

    [Fact]
    public void Detect_OomKillOfUnit_SummaryNamesUnitAndProcess()
    {
        var oom = Event(JournalEventKind.OomKill, "ollama.service", count: 3) with { ProcessName = "ollama" };

        var finding = Assert.Single(Detect(WithEvents([oom])));

        Assert.Equal("The OOM killer killed ollama.service (process ollama) 3 times since the last check because memory ran out.", finding.Summary);
    }

    [Fact]
    public void Detect_RepeatedEvent_ReturnsOneFindingWithCount()
    {
        var finding = Assert.Single(Detect(WithEvents([Event(JournalEventKind.OomKill, "app.service", count: 4000)])));

        Assert.Contains("count=4000", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_CountGrows_FingerprintUnchanged()
    {
        var first = Assert.Single(Detect(WithEvents([Event(JournalEventKind.Segfault, "app", count: 1)])));
        var second = Assert.Single(Detect(WithEvents([Event(JournalEventKind.Segfault, "app", count: 9)])));

        Assert.NotEqual(first.Summary, second.Summary);
        Assert.Equal(first.Fingerprint, second.Fingerprint);
    }

    [Fact]
    public void Detect_Event_EvidenceLeavesOutLogLine()
    {
        var diskFull = Event(JournalEventKind.DiskFull, "app.service") with { Sample = "upload token=abc123 failed: No space left on device" };

        var finding = Assert.Single(Detect(WithEvents([diskFull])));

        Assert.DoesNotContain("abc123", finding.Evidence, StringComparison.Ordinal);
        Assert.DoesNotContain("abc123", finding.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_CoreDump_EvidenceHasSignalAndExecutable()
    {
        var coreDump = Event(JournalEventKind.CoreDump, "app-worker") with { Detail = "SIGSEGV", Executable = "/usr/bin/app-worker" };

        var finding = Assert.Single(Detect(WithEvents([coreDump])));

        Assert.Contains("signal=SIGSEGV", finding.Evidence, StringComparison.Ordinal);
        Assert.Contains("executable=/usr/bin/app-worker", finding.Evidence, StringComparison.Ordinal);
    }

    private static JournalEvent Event(JournalEventKind kind, string subject, int count = 1) =>
        new(kind, subject, count, FirstSeen, SnapshotBuilder.TakenAt, "sample line");

    private static HostSnapshot WithEvents(IReadOnlyList<JournalEvent>? events)
    {
        var snapshot = new SnapshotBuilder().Build();
        snapshot.Journal = snapshot.Journal! with { Events = events };
        return snapshot;
    }

    private static List<Finding> Detect(HostSnapshot snapshot) => new JournalEventDetector().Detect(snapshot, null).ToList();
}
