using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class JournalErrorGrouperTests(JournalExportFixture journal) : IClassFixture<JournalExportFixture>
{
    private static readonly DateTimeOffset FallbackTime = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Group_GenuineDnssecFlood_ReturnsOneGroupWithCount()
    {
        var output = await journal.ReadJsonAsync("resolved-dnssec-flood", "-p", "err");
        var entries = JournalJsonParser.Parse(output, maxEntries: 5000).Entries;

        var groups = JournalErrorGrouper.Group(entries, FallbackTime);

        var group = Assert.Single(groups);
        Assert.Equal("systemd-resolved.service", group.Unit);
        Assert.Equal("systemd-resolved", group.Identifier);
        Assert.Equal(300, group.Count);
        Assert.Equal(3, group.Priority);
        Assert.Equal(3, group.Samples.Count);
        Assert.Equal(3, group.Samples.Distinct().Count());
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1679745467001), group.FirstSeen);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1679745467300), group.LastSeen);
    }

    [Fact]
    public void Group_IdenticalMessages_KeepsOneSample()
    {
        var entries = Enumerable.Repeat(Entry("unit.service", "app", "same text"), 50);

        var group = Assert.Single(JournalErrorGrouper.Group(entries, FallbackTime));

        Assert.Equal(50, group.Count);
        Assert.Equal(["same text"], group.Samples);
    }

    [Fact]
    public void Group_ManyDistinctMessages_KeepsAtMostThreeSamples()
    {
        var entries = Enumerable.Range(1, 10).Select(number => Entry("unit.service", "app", $"message {number}"));

        var group = Assert.Single(JournalErrorGrouper.Group(entries, FallbackTime));

        Assert.Equal(["message 1", "message 2", "message 3"], group.Samples);
    }

    [Fact]
    public void Group_DifferentUnitsAndIdentifiers_SeparatesAndOrdersByCount()
    {
        JournalEntry[] entries =
        [
            Entry("a.service", "a", "x"),
            Entry(null, "kernel", "y"),
            Entry(null, "kernel", "y"),
            Entry("a.service", "other", "z"),
        ];

        var groups = JournalErrorGrouper.Group(entries, FallbackTime);

        Assert.Equal(3, groups.Count);
        Assert.Equal("kernel", groups[0].Identifier);
        Assert.Equal(2, groups[0].Count);
    }

    [Fact]
    public void Group_MixedPriorities_KeepsWorst()
    {
        JournalEntry[] entries = [Entry("a.service", "a", "x", priority: 3), Entry("a.service", "a", "y", priority: 0)];

        var group = Assert.Single(JournalErrorGrouper.Group(entries, FallbackTime));

        Assert.Equal(0, group.Priority);
    }

    [Fact]
    public void Group_EntryWithoutTimestamp_UsesFallbackTime()
    {
        JournalEntry[] entries = [new(Cursor: null, Timestamp: null, Priority: 3, Unit: "a.service", Identifier: "a", Message: "x")];

        var group = Assert.Single(JournalErrorGrouper.Group(entries, FallbackTime));

        Assert.Equal(FallbackTime, group.FirstSeen);
        Assert.Equal(FallbackTime, group.LastSeen);
    }

    [Fact]
    public void Group_NoEntries_ReturnsNoGroups()
    {
        var groups = JournalErrorGrouper.Group([], FallbackTime);

        Assert.Empty(groups);
    }

    private static JournalEntry Entry(string? unit, string? identifier, string message, int priority = 3) =>
        new(Cursor: null, FallbackTime.AddMinutes(-1), priority, unit, identifier, message);
}
