using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Collectors;
using Macha.Core.Monitoring.Parsers;
using Macha.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Monitoring;

public sealed class JournalCollectorTests(JournalExportFixture journal) : IClassFixture<JournalExportFixture>
{
    private const string Fields = "--output-fields=MESSAGE,PRIORITY,_SYSTEMD_UNIT,UNIT,SYSLOG_IDENTIFIER,_COMM";
    private const string FirstCycleQuery = "journalctl -o json --no-pager -p err --since=-3600s " + Fields;
    private const string DiskUsageProbe = "journalctl --disk-usage --no-pager";
    private const string PreviousCursor = "s=0a1b2c3d;i=1a2b3;b=1122;m=1f2e;t=5e5f;x=9f8e";
    private const string NextCycleQuery = "journalctl -o json --no-pager -p err --after-cursor=" + PreviousCursor + " " + Fields;

    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task CollectAsync_FirstCycle_ReadsBackInitialLookback()
    {
        var output = await journal.ReadJsonAsync("oom-kill", "-p", "err");
        var shell = new ReplayShell().WithCommand(FirstCycleQuery, output);
        var context = CreateContext(shell);

        var outcome = await new JournalCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal([FirstCycleQuery], shell.CommandsRun);
        Assert.Equal(3, context.Snapshot.Journal!.TotalEntries);
    }

    [Fact]
    public async Task CollectAsync_PreviousCursor_ContinuesAfterIt()
    {
        var output = await journal.ReadJsonAsync("oom-kill", "-p", "err");
        var shell = new ReplayShell().WithCommand(NextCycleQuery, output);
        var context = CreateContext(shell, PreviousWithCursor(PreviousCursor));

        await new JournalCollector().CollectAsync(context);

        Assert.Equal([NextCycleQuery], shell.CommandsRun);
    }

    [Fact]
    public async Task CollectAsync_NewEntries_SetsCursorOfLastEntry()
    {
        var output = await journal.ReadJsonAsync("oom-kill", "-p", "err");
        var lastCursor = JournalJsonParser.Parse(output, 100).Entries[^1].Cursor;
        var shell = new ReplayShell().WithCommand(NextCycleQuery, output);
        var context = CreateContext(shell, PreviousWithCursor(PreviousCursor));

        await new JournalCollector().CollectAsync(context);

        Assert.Equal(lastCursor, context.Snapshot.Journal!.Cursor);
    }

    [Fact]
    public async Task CollectAsync_NothingNew_KeepsPreviousCursor()
    {
        var shell = new ReplayShell().WithCommand(NextCycleQuery, "");
        var context = CreateContext(shell, PreviousWithCursor(PreviousCursor));

        var outcome = await new JournalCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal(PreviousCursor, context.Snapshot.Journal!.Cursor);
        Assert.Empty(context.Snapshot.Journal.Groups);
        Assert.Equal([NextCycleQuery], shell.CommandsRun);
    }

    [Fact]
    public async Task CollectAsync_DnssecFlood_ReturnsOneGroupWithCount()
    {
        var output = await journal.ReadJsonAsync("resolved-dnssec-flood", "-p", "err");
        var shell = new ReplayShell().WithCommand(FirstCycleQuery, output);
        var context = CreateContext(shell);

        await new JournalCollector().CollectAsync(context);

        var group = Assert.Single(context.Snapshot.Journal!.Groups);
        Assert.Equal(300, group.Count);
        Assert.Equal(3, group.Samples.Count);
        Assert.Equal(300, context.Snapshot.Journal.TotalEntries);
    }

    [Fact]
    public async Task CollectAsync_OverMaxEntries_StopsAtLimit()
    {
        var output = await journal.ReadJsonAsync("resolved-dnssec-flood", "-p", "err");
        var tenthCursor = JournalJsonParser.Parse(output, 100).Entries[9].Cursor;
        var shell = new ReplayShell().WithCommand(FirstCycleQuery, output);
        var context = CreateContext(shell, options: new MonitoringOptions { JournalMaxEntries = 10 });

        await new JournalCollector().CollectAsync(context);

        Assert.Equal(10, context.Snapshot.Journal!.TotalEntries);
        Assert.True(context.Snapshot.Journal.MoreAvailable);
        Assert.Equal(tenthCursor, context.Snapshot.Journal.Cursor);
    }

    [Fact]
    public async Task CollectAsync_OutputCut_IgnoresCutLine()
    {
        var output = await journal.ReadJsonAsync("resolved-dnssec-flood", "-p", "err");
        var cut = output[..(output.Length / 2)];
        var shell = new ReplayShell().WithCommandResult(
            FirstCycleQuery, new CommandResult(CommandStatus.Exited, 0, cut, "", TimeSpan.FromMilliseconds(5), OutputTruncated: true));
        var context = CreateContext(shell);

        var outcome = await new JournalCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal(0, context.Snapshot.Journal!.SkippedLines);
        Assert.True(context.Snapshot.Journal.MoreAvailable);
    }

    [Fact]
    public async Task CollectAsync_BadLines_ReturnsPartialWithCount()
    {
        var output = "{\"MESSAGE\":\"ok\",\"PRIORITY\":\"3\"}\nnot json\n\u0001\u0002\n";
        var shell = new ReplayShell().WithCommand(FirstCycleQuery, output);
        var context = CreateContext(shell);

        var outcome = await new JournalCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Equal(2, context.Snapshot.Journal!.SkippedLines);
        Assert.Equal(1, context.Snapshot.Journal.TotalEntries);
    }

    [Fact]
    public async Task CollectAsync_JournalctlMissing_ReturnsUnavailable()
    {
        var context = CreateContext(new ReplayShell());

        var outcome = await new JournalCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Unavailable, outcome.State);
        Assert.Contains("journalctl", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CollectAsync_NoJournalFiles_ReturnsUnavailable()
    {
        var shell = new ReplayShell()
            .WithCommand(FirstCycleQuery, "")
            .WithCommand(DiskUsageProbe, "Archived and active journals take up 0B in the file system.\n", standardError: "No journal files were found.\n");
        var context = CreateContext(shell);

        var outcome = await new JournalCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Unavailable, outcome.State);
        Assert.Contains("No journal files were found", outcome.Detail, StringComparison.Ordinal);
        Assert.Null(context.Snapshot.Journal);
    }

    [Fact]
    public async Task CollectAsync_NoErrors_ReturnsOkWithoutCursor()
    {
        var shell = new ReplayShell()
            .WithCommand(FirstCycleQuery, "")
            .WithCommand(DiskUsageProbe, "Archived and active journals take up 24.0M in the file system.\n");
        var context = CreateContext(shell);

        var outcome = await new JournalCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Null(context.Snapshot.Journal!.Cursor);
        Assert.Equal(0, context.Snapshot.Journal.TotalEntries);
    }

    [Fact]
    public async Task CollectAsync_CursorRejected_FallsBackToLookback()
    {
        var output = await journal.ReadJsonAsync("oom-kill", "-p", "err");
        var shell = new ReplayShell()
            .WithCommand(NextCycleQuery, "", exitCode: 1, standardError: "Failed to seek to cursor: Invalid argument\n")
            .WithCommand(FirstCycleQuery, output);
        var context = CreateContext(shell, PreviousWithCursor(PreviousCursor));

        var outcome = await new JournalCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal([NextCycleQuery, FirstCycleQuery], shell.CommandsRun);
        Assert.Equal(3, context.Snapshot.Journal!.TotalEntries);
    }

    [Fact]
    public async Task CollectAsync_OutputFieldsUnsupported_RetriesWithoutThem()
    {
        const string withoutFields = "journalctl -o json --no-pager -p err --since=-3600s";
        var shell = new ReplayShell()
            .WithCommand(FirstCycleQuery, "", exitCode: 1, standardError: "journalctl: unrecognized option '" + Fields + "'\n")
            .WithCommand(withoutFields, "{\"MESSAGE\":\"old systemd\",\"PRIORITY\":\"3\",\"__CURSOR\":\"s=1\"}\n");
        var context = CreateContext(shell);

        var outcome = await new JournalCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal("old systemd", Assert.Single(context.Snapshot.Journal!.Groups).Samples[0]);
    }

    [Fact]
    public async Task CollectAsync_UserNotInJournalGroup_ReturnsPartial()
    {
        var shell = new ReplayShell().WithCommand(
            FirstCycleQuery,
            "{\"MESSAGE\":\"x\",\"__CURSOR\":\"s=1\"}\n",
            standardError: "Hint: You are currently not seeing messages from other users and the system.\n");
        var context = CreateContext(shell);

        var outcome = await new JournalCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("systemd-journal group", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CollectAsync_ThisMachine_ReportsRealOutcome()
    {
        var shell = new LocalProcessShell("local", NullLogger<LocalProcessShell>.Instance, TimeProvider.System);
        var context = CreateContext(shell);
        var hasJournalFiles = new[] { "/var/log/journal", "/run/log/journal" }
            .Where(Directory.Exists)
            .Any(directory => Directory.EnumerateFiles(directory, "*.journal", SearchOption.AllDirectories).Any());

        var outcome = await new JournalCollector().CollectAsync(context);

        if (hasJournalFiles)
        {
            Assert.Contains(outcome.State, new[] { CollectorState.Ok, CollectorState.Partial });
            Assert.NotNull(context.Snapshot.Journal);
        }
        else
        {
            Assert.Equal(CollectorState.Unavailable, outcome.State);
            Assert.Contains("No journal files were found", outcome.Detail, StringComparison.Ordinal);
        }
    }

    private static HostSnapshot PreviousWithCursor(string cursor) => new()
    {
        HostName = "test-host",
        TakenAt = Now.AddMinutes(-5),
        Journal = new JournalSection([], 0, cursor),
    };

    private static CollectionContext CreateContext(IHostShell shell, HostSnapshot? previous = null, MonitoringOptions? options = null) => new()
    {
        Shell = shell,
        Snapshot = new HostSnapshot { HostName = shell.HostName, TakenAt = Now },
        Previous = previous,
        Options = options ?? new MonitoringOptions(),
    };
}
