using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Parsers;
using Macha.Tests.TestData;

namespace Macha.Tests.Monitoring;

public sealed class JournalEventAggregatorTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 11, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Aggregate_CaseKernelKill_VictimIsSubject()
    {
        var matches = JournalEventRecognizerTests.RecognizeLines(Cases.Input("008-journal-oom-kill.txt", "A"));

        var oom = Assert.Single(JournalEventAggregator.Aggregate(matches, Start));

        Assert.Equal(JournalEventKind.OomKill, oom.Kind);
        Assert.Equal("systemd-journal", oom.Subject);
        Assert.Equal(401, oom.ProcessId);
        Assert.Equal(1, oom.Count);
        Assert.Equal(["networkd-dispatcher.service"], oom.KilledUnits);
    }

    [Fact]
    public void Aggregate_CaseInvokerOnly_ReturnsNoEvent()
    {
        var matches = JournalEventRecognizerTests.RecognizeLines(Cases.Input("008-journal-oom-kill.txt", "B"));

        Assert.Empty(JournalEventAggregator.Aggregate(matches, Start));
    }

    [Fact]
    public void Aggregate_CaseInvokerAndVictim_InvokerIsNotSubject()
    {
        var lines = Cases.Input("008-journal-oom-kill.txt", "B") + Cases.Input("008-journal-oom-kill.txt", "A");
        var matches = JournalEventRecognizerTests.RecognizeLines(lines);

        var oom = Assert.Single(JournalEventAggregator.Aggregate(matches, Start));

        Assert.Equal("systemd-journal", oom.Subject);
        Assert.Equal("systemd-journal", oom.Invoker);
        Assert.Equal(1112, oom.Memory!.AnonRssKiB);
    }

    [Fact]
    public void Aggregate_CaseOomKillResult_UnitIsSubject()
    {
        var matches = JournalEventRecognizerTests.RecognizeLines(Cases.Input("008-journal-oom-kill.txt", "C"));

        var oom = Assert.Single(JournalEventAggregator.Aggregate(matches, Start));

        Assert.Equal("ollama.service", oom.Subject);
    }

    [Fact]
    public void Aggregate_CaseNestedSlices_ReturnsOneOccurrence()
    {
        var matches = JournalEventRecognizerTests.RecognizeLines(Cases.Input("008-journal-oom-kill.txt", "D"));

        var oom = Assert.Single(JournalEventAggregator.Aggregate(matches, Start));

        Assert.Equal(1, oom.Count);
        Assert.Equal("user@1021.service", oom.Subject);
        Assert.Equal(5, oom.Units!.Count);
        Assert.Equal("user@1021.service", oom.Units[0]);
    }

    [Fact]
    public void Aggregate_ServiceKilledEveryFewSeconds_ReturnsOneEventWithCount()
    {
        var matches = Enumerable.Range(0, 2000)
            .SelectMany(i => new[]
            {
                Victim(Start.AddSeconds(5 * i), 1300 + i, "ollama"),
                UnitLine(Start.AddSeconds(5 * i).AddMilliseconds(300), JournalEventRole.OomUnitResult, "ollama.service"),
            });

        var oom = Assert.Single(JournalEventAggregator.Aggregate(matches, Start));

        Assert.Equal("ollama.service", oom.Subject);
        Assert.Equal(2000, oom.Count);
        Assert.Equal(3299, oom.ProcessId);
        Assert.Equal(Start, oom.FirstSeen);
    }

    [Fact]
    public void Aggregate_TwoVictimsAtOnce_ReturnsTwoOccurrences()
    {
        var matches = new[] { Victim(Start, 10, "java"), Victim(Start.AddMilliseconds(5), 11, "java") };

        var oom = Assert.Single(JournalEventAggregator.Aggregate(matches, Start));

        Assert.Equal(2, oom.Count);
    }

    [Fact]
    public void Aggregate_LinesApartBeyondWindow_ReturnsSeparateOccurrences()
    {
        var matches = new[]
        {
            UnitLine(Start, JournalEventRole.OomUnit, "app.service"),
            UnitLine(Start + JournalEventAggregator.OccurrenceWindow + TimeSpan.FromSeconds(1), JournalEventRole.OomUnit, "app.service"),
        };

        var oom = Assert.Single(JournalEventAggregator.Aggregate(matches, Start));

        Assert.Equal(2, oom.Count);
    }

    [Fact]
    public void Aggregate_SlicesOnlyWithVictim_VictimIsSubject()
    {
        var matches = new[]
        {
            Victim(Start, 77, "stress"),
            UnitLine(Start, JournalEventRole.OomUnit, "user.slice"),
            UnitLine(Start, JournalEventRole.OomUnit, "user-1000.slice"),
        };

        var oom = Assert.Single(JournalEventAggregator.Aggregate(matches, Start));

        Assert.Equal("stress", oom.Subject);
        Assert.Equal(["user-1000.slice", "user.slice"], oom.Units);
    }

    [Fact]
    public void Aggregate_LinesOfOneFailedMount_ReturnsOneOccurrence()
    {
        var matches = new[]
        {
            Match(JournalEventKind.MountFailed, Start, "data.mount", detail: null),
            Match(JournalEventKind.MountFailed, Start.AddMilliseconds(1), "data.mount", detail: "32/n/a"),
            Match(JournalEventKind.MountFailed, Start.AddMilliseconds(2), "data.mount", detail: "result exit-code"),
        };

        var mount = Assert.Single(JournalEventAggregator.Aggregate(matches, Start));

        Assert.Equal(1, mount.Count);
        Assert.Equal("32/n/a", mount.Detail);
    }

    [Fact]
    public void Aggregate_DiskFullFlood_CountsEveryLine()
    {
        var matches = Enumerable.Range(0, 500).Select(i => Match(JournalEventKind.DiskFull, Start.AddMilliseconds(i), "postgresql.service"));

        var diskFull = Assert.Single(JournalEventAggregator.Aggregate(matches, Start));

        Assert.Equal(500, diskFull.Count);
    }

    [Fact]
    public void Aggregate_ManySubjects_KeepsMostFrequent()
    {
        var matches = Enumerable.Range(0, JournalEventAggregator.MaxEvents + 20)
            .Select(i => Match(JournalEventKind.Segfault, Start, "crasher" + i))
            .Append(Match(JournalEventKind.Segfault, Start, "crasher119"));

        var events = JournalEventAggregator.Aggregate(matches, Start);

        Assert.Equal(JournalEventAggregator.MaxEvents, events.Count);
        Assert.Contains(events, journalEvent => journalEvent.Subject == "crasher119" && journalEvent.Count == 2);
    }

    [Fact]
    public void Aggregate_NoMatches_ReturnsEmpty()
    {
        Assert.Empty(JournalEventAggregator.Aggregate([], Start));
    }

    private static JournalEventMatch Victim(DateTimeOffset time, int pid, string comm) =>
        new(JournalEventKind.OomKill, JournalEventRole.OomVictim, time, "Killed process", ProcessId: pid, ProcessName: comm,
            Memory: new OomVictimMemory(100, 50, 10, 0));

    private static JournalEventMatch UnitLine(DateTimeOffset time, JournalEventRole role, string unit) =>
        new(JournalEventKind.OomKill, role, time, unit + ": killed", Unit: unit);

    private static JournalEventMatch Match(JournalEventKind kind, DateTimeOffset time, string subject, string? detail = null) =>
        new(kind, JournalEventRole.Event, time, "sample", Subject: subject, Detail: detail);
}
