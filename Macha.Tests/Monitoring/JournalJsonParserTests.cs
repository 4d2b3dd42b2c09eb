using Macha.Core.Monitoring.Parsers;
using Macha.Tests.TestData;

namespace Macha.Tests.Monitoring;

public sealed class JournalJsonParserTests(JournalExportFixture journal) : IClassFixture<JournalExportFixture>
{
    [Theory]
    [InlineData(0, "     y")]
    [InlineData(1, "Nov-29 00:48:17.779 [bot-sdkAppservice] info: [")]
    [InlineData(2, "this is a binary value")]
    [InlineData(3, JournalJsonParser.EmptyMessage)]
    public void Parse_RecordedByteArrayMessage_DecodesAndSanitizes(int index, string expected)
    {
        var output = UnnamedInput("005-journal-message-bytearray.txt");

        var result = JournalJsonParser.Parse(output, maxEntries: 100);

        Assert.Equal(4, result.Entries.Count);
        Assert.Equal(expected, result.Entries[index].Message);
    }

    [Theory]
    [InlineData(0, "     y")]
    [InlineData(1, "Nov-29 00:48:17.779 [bot-sdkAppservice] info: [")]
    [InlineData(2, "this is a binary value")]
    [InlineData(3, JournalJsonParser.EmptyMessage)]
    [InlineData(4, "config file caf\uFFFD.conf unreadable")]
    public async Task Parse_GenuineByteArrayMessage_DecodesAndSanitizes(int index, string expected)
    {
        var output = await journal.ReadJsonAsync("message-bytearray");

        var result = JournalJsonParser.Parse(output, maxEntries: 100);

        Assert.Equal(5, result.Entries.Count);
        Assert.Equal(expected, result.Entries[index].Message);
    }

    [Fact]
    public void Parse_RecordedNullMessage_KeepsEntryWithPlaceholder()
    {
        var output = Cases.Input("006-journal-message-null.txt", "B");

        var result = JournalJsonParser.Parse(output, maxEntries: 100);

        var entry = Assert.Single(result.Entries);
        Assert.Equal(JournalJsonParser.OmittedMessage, entry.Message);
        Assert.Equal("phpfpm-nextcloud.service", entry.Unit);
        Assert.Equal("Nextcloud", entry.Identifier);
        Assert.Equal(3, entry.Priority);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1659430000), entry.Timestamp);
    }

    [Fact]
    public async Task Parse_GenuineTooLargeMessage_KeepsEntryWithPlaceholder()
    {
        var output = await journal.ReadJsonAsync("message-too-large");

        var result = JournalJsonParser.Parse(output, maxEntries: 100);

        Assert.Equal(2, result.Entries.Count);
        Assert.Equal(JournalJsonParser.OmittedMessage, result.Entries[0].Message);
        Assert.Equal("phpfpm-nextcloud.service", result.Entries[0].Unit);
        Assert.Equal("Database connection lost", result.Entries[1].Message);
        Assert.Equal(0, result.SkippedLines);
    }

    [Fact]
    public void Parse_NullMessage_NeverContainsWordNull()
    {
        var output = Cases.Input("006-journal-message-null.txt", "B");

        var result = JournalJsonParser.Parse(output, maxEntries: 100);

        Assert.DoesNotContain("null", Assert.Single(result.Entries).Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Parse_RecordedEscapedUnitName_KeepsOneBackslash()
    {
        var output = Cases.Input("004-escaped-unit-names.txt", "A3");

        var result = JournalJsonParser.Parse(output, maxEntries: 100);

        var entry = Assert.Single(result.Entries);
        Assert.Equal(@"dev-disk-by\x2duuid-does\x2dnot\x2dexist.device", entry.Unit);
        Assert.StartsWith(@"dev-disk-by\x2duuid-does\x2dnot\x2dexist.device: Job ", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parse_GenuineEscapedUnitNames_KeepsNamesExact()
    {
        var output = await journal.ReadJsonAsync("escaped-unit-name");

        var result = JournalJsonParser.Parse(output, maxEntries: 100);

        Assert.Equal(
            [@"dev-disk-by\x2duuid-does\x2dnot\x2dexist.device", @"systemd-fsck@dev-disk-by\x2dlabel-500_boot.service"],
            result.Entries.Select(entry => entry.Unit));
        Assert.Equal("fsck failed with exit status 8.", result.Entries[1].Message);
    }

    [Fact]
    public async Task Parse_GenuineOomKill_CutsCallTrace()
    {
        var output = await journal.ReadJsonAsync("oom-kill", "-p", "err");

        var result = JournalJsonParser.Parse(output, maxEntries: 100);

        Assert.Equal(3, result.Entries.Count);
        Assert.Equal(
            "Out of memory: Killed process 401 (systemd-journal) total-vm:32724kB, anon-rss:1112kB, file-rss:8888kB, shmem-rss:4kB",
            result.Entries[0].Message);
        Assert.Equal("kernel", result.Entries[0].Identifier);
        Assert.Null(result.Entries[0].Unit);
        Assert.Equal("init.scope", result.Entries[1].Unit);
        Assert.Equal("ollama.service: Failed with result 'oom-kill'.", result.Entries[1].Message);
        Assert.StartsWith("Call Trace:\n <TASK>\n", result.Entries[2].Message, StringComparison.Ordinal);
        Assert.EndsWith("[… 3 more lines cut]", result.Entries[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parse_GenuineOutput_ReadsCursorAndTimestamp()
    {
        var output = await journal.ReadJsonAsync("message-bytearray");

        var result = JournalJsonParser.Parse(output, maxEntries: 100);

        Assert.All(result.Entries, entry => Assert.StartsWith("s=", entry.Cursor, StringComparison.Ordinal));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1669751055404), result.Entries[1].Timestamp);
    }

    [Fact]
    public void Parse_FieldsAsArrays_TakesFirstValue()
    {
        const string output = """{"PRIORITY":["2","3"],"SYSLOG_IDENTIFIER":["a","b"],"_SYSTEMD_UNIT":[[102,111,111,46,115,101,114,118,105,99,101]],"MESSAGE":[null,"second"]}""";

        var entry = Assert.Single(JournalJsonParser.Parse(output, maxEntries: 100).Entries);

        Assert.Equal(2, entry.Priority);
        Assert.Equal("a", entry.Identifier);
        Assert.Equal("foo.service", entry.Unit);
        Assert.Equal("second", entry.Message);
    }

    [Fact]
    public void Parse_MissingFields_KeepsEntryWithNulls()
    {
        const string output = "{\"MESSAGE\":\"only a message\"}\n";

        var entry = Assert.Single(JournalJsonParser.Parse(output, maxEntries: 100).Entries);

        Assert.Null(entry.Priority);
        Assert.Null(entry.Unit);
        Assert.Null(entry.Identifier);
        Assert.Null(entry.Timestamp);
        Assert.Null(entry.Cursor);
    }

    [Theory]
    [InlineData("{\"MESSAGE\":\"cut in the mid")]
    [InlineData("not json at all")]
    [InlineData("\u0001\u0002\u00ff binary")]
    [InlineData("null")]
    [InlineData("42")]
    [InlineData("[1,2,3]")]
    [InlineData("\"a string\"")]
    [InlineData("Keine Einträge.")]
    [InlineData("-- No entries --")]
    public void Parse_BadLine_SkipsAndCounts(string badLine)
    {
        var output = "{\"MESSAGE\":\"before\"}\n" + badLine + "\n{\"MESSAGE\":\"after\"}\n";

        var result = JournalJsonParser.Parse(output, maxEntries: 100);

        Assert.Equal(["before", "after"], result.Entries.Select(entry => entry.Message));
        Assert.Equal(1, result.SkippedLines);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n  \n")]
    public void Parse_EmptyOutput_ReturnsNoEntries(string output)
    {
        var result = JournalJsonParser.Parse(output, maxEntries: 100);

        Assert.Empty(result.Entries);
        Assert.Equal(0, result.SkippedLines);
        Assert.False(result.MoreAvailable);
    }

    [Theory]
    [InlineData("{\"__REALTIME_TIMESTAMP\":\"99999999999999999999\",\"MESSAGE\":\"x\"}")]
    [InlineData("{\"__REALTIME_TIMESTAMP\":\"-5\",\"MESSAGE\":\"x\"}")]
    [InlineData("{\"__REALTIME_TIMESTAMP\":\"soon\",\"MESSAGE\":\"x\"}")]
    [InlineData("{\"PRIORITY\":\"99\",\"MESSAGE\":\"x\"}")]
    [InlineData("{\"MESSAGE\":[300,-1]}")]
    [InlineData("{\"MESSAGE\":{\"nested\":true}}")]
    public void Parse_OddFieldValues_KeepsEntryWithoutThrowing(string line)
    {
        var result = JournalJsonParser.Parse(line, maxEntries: 100);

        Assert.Single(result.Entries);
    }

    [Fact]
    public void Parse_JsonPrettyOutput_SkipsLinesWithoutThrowing()
    {
        var output = Cases.Input("006-journal-message-null.txt", "A");

        var result = JournalJsonParser.Parse(output, maxEntries: 100);

        Assert.Empty(result.Entries);
        Assert.True(result.SkippedLines > 0);
    }

    [Fact]
    public async Task Parse_MoreEntriesThanMaximum_StopsAndReportsMore()
    {
        var output = await journal.ReadJsonAsync("resolved-dnssec-flood", "-p", "err");

        var result = JournalJsonParser.Parse(output, maxEntries: 10);

        Assert.Equal(10, result.Entries.Count);
        Assert.True(result.MoreAvailable);
    }

    /// <summary>
    /// Returns the block under a case file's single "===== input: …" header, which has no name
    /// for <see cref="Cases.Input"/> to match.
    /// </summary>
    private static string UnnamedInput(string caseFile)
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", "cases", caseFile));
        var start = Array.FindIndex(lines, line => line.StartsWith("===== input:", StringComparison.Ordinal));
        return string.Join('\n', lines.Skip(start + 1).TakeWhile(line => !line.StartsWith("===== ", StringComparison.Ordinal)));
    }
}
