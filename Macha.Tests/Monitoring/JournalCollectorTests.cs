using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Collectors;
using Macha.Core.Monitoring.Parsers;
using Macha.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Monitoring;

public sealed class JournalCollectorTests(JournalExportFixture journal) : IClassFixture<JournalExportFixture>
{
    private const string Fields = "--output-fields=MESSAGE,PRIORITY,_SYSTEMD_UNIT,UNIT,SYSLOG_IDENTIFIER,_COMM,_TRANSPORT,"
        + "COREDUMP_PID,COREDUMP_COMM,COREDUMP_EXE,COREDUMP_SIGNAL_NAME,COREDUMP_UNIT";
    private const string Lookback = "--since=-3600s";
    private const string FirstCycleQuery = "journalctl -o json --no-pager -p err " + Lookback + " " + Fields;
    private const string DiskUsageProbe = "journalctl --disk-usage --no-pager";
    private const string PreviousCursor = "s=0a1b2c3d;i=1a2b3;b=1122;m=1f2e;t=5e5f;x=9f8e";
    private const string NextCycleQuery = "journalctl -o json --no-pager -p err --after-cursor=" + PreviousCursor + " " + Fields;
    private const string FirstCycleEventQuery = "journalctl -o json --no-pager -p info --grep=" + JournalEventRecognizer.GrepPattern + " " + Lookback + " " + Fields;
    private const string NextCycleEventQuery =
        "journalctl -o json --no-pager -p info --grep=" + JournalEventRecognizer.GrepPattern + " --after-cursor=" + PreviousCursor + " " + Fields;
    private const string FirstCycleKernelQuery = "journalctl -o json --no-pager -p warning..info _TRANSPORT=kernel " + Lookback + " " + Fields;

    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task CollectAsync_FirstCycle_ReadsBackInitialLookback()
    {
        var output = await journal.ReadJsonAsync("oom-kill", "-p", "err");
        var shell = new ReplayShell().WithCommand(FirstCycleQuery, output).WithCommand(FirstCycleEventQuery, "");
        var context = CreateContext(shell);

        var outcome = await new JournalCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal([FirstCycleQuery, FirstCycleEventQuery], shell.CommandsRun);
        Assert.Equal(3, context.Snapshot.Journal!.TotalEntries);
    }

    [Fact]
    public async Task CollectAsync_PreviousCursor_ContinuesAfterIt()
    {
        var output = await journal.ReadJsonAsync("oom-kill", "-p", "err");
        var shell = new ReplayShell().WithCommand(NextCycleQuery, output).WithCommand(NextCycleEventQuery, "");
        var context = CreateContext(shell, PreviousWithCursor(PreviousCursor));

        await new JournalCollector().CollectAsync(context);

        Assert.Equal([NextCycleQuery, NextCycleEventQuery], shell.CommandsRun);
    }

    [Fact]
    public async Task CollectAsync_NewEntries_SetsCursorOfLastEntry()
    {
        var output = await journal.ReadJsonAsync("oom-kill", "-p", "err");
        var lastCursor = JournalJsonParser.Parse(output, 100).Entries[^1].Cursor;
        var shell = new ReplayShell().WithCommand(NextCycleQuery, output).WithCommand(NextCycleEventQuery, "");
        var context = CreateContext(shell, PreviousWithCursor(PreviousCursor));

        await new JournalCollector().CollectAsync(context);

        Assert.Equal(lastCursor, context.Snapshot.Journal!.Cursor);
    }

    [Fact]
    public async Task CollectAsync_NothingNew_KeepsPreviousCursor()
    {
        var shell = new ReplayShell().WithCommand(NextCycleQuery, "").WithCommand(NextCycleEventQuery, "");
        var context = CreateContext(shell, PreviousWithCursor(PreviousCursor));

        var outcome = await new JournalCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal(PreviousCursor, context.Snapshot.Journal!.Cursor);
        Assert.Empty(context.Snapshot.Journal.Groups);
        Assert.Equal([NextCycleQuery, NextCycleEventQuery], shell.CommandsRun);
    }

    [Fact]
    public async Task CollectAsync_DnssecFlood_ReturnsOneGroupWithCount()
    {
        var output = await journal.ReadJsonAsync("resolved-dnssec-flood", "-p", "err");
        var shell = new ReplayShell().WithCommand(FirstCycleQuery, output).WithCommand(FirstCycleEventQuery, "");
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
        var shell = new ReplayShell().WithCommand(FirstCycleQuery, output).WithCommand(FirstCycleEventQuery, "");
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
            FirstCycleQuery, new CommandResult(CommandStatus.Exited, 0, cut, "", TimeSpan.FromMilliseconds(5), OutputTruncated: true))
            .WithCommand(FirstCycleEventQuery, "");
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
        var shell = new ReplayShell().WithCommand(FirstCycleQuery, output).WithCommand(FirstCycleEventQuery, "");
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
            .WithCommand(DiskUsageProbe, "Archived and active journals take up 24.0M in the file system.\n")
            .WithCommand(FirstCycleEventQuery, "");
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
            .WithCommand(FirstCycleQuery, output)
            .WithCommand(FirstCycleEventQuery, "");
        var context = CreateContext(shell, PreviousWithCursor(PreviousCursor));

        var outcome = await new JournalCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal([NextCycleQuery, FirstCycleQuery, FirstCycleEventQuery], shell.CommandsRun);
        Assert.Equal(3, context.Snapshot.Journal!.TotalEntries);
    }

    [Fact]
    public async Task CollectAsync_OutputFieldsUnsupported_RetriesWithoutThem()
    {
        const string withoutFields = "journalctl -o json --no-pager -p err --since=-3600s";
        var shell = new ReplayShell()
            .WithCommand(FirstCycleQuery, "", exitCode: 1, standardError: "journalctl: unrecognized option '" + Fields + "'\n")
            .WithCommand(withoutFields, "{\"MESSAGE\":\"old systemd\",\"PRIORITY\":\"3\",\"__CURSOR\":\"s=1\"}\n")
            .WithCommand("journalctl -o json --no-pager -p info --grep=" + JournalEventRecognizer.GrepPattern + " --since=-3600s", "");
        var context = CreateContext(shell);

        var outcome = await new JournalCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal("old systemd", Assert.Single(context.Snapshot.Journal!.Groups).Samples[0]);
    }

    [Fact]
    public async Task CollectAsync_UserNotInJournalGroup_ReturnsPartial()
    {
        var shell = new ReplayShell()
            .WithCommand(
                FirstCycleQuery,
                "{\"MESSAGE\":\"x\",\"__CURSOR\":\"s=1\"}\n",
                standardError: "Hint: You are currently not seeing messages from other users and the system.\n")
            .WithCommand(FirstCycleEventQuery, "");
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

    [Fact]
    public async Task CollectAsync_GenuineEvents_ReturnsOneEventPerSubject()
    {
        var shell = await EventsShellAsync();
        var context = CreateContext(shell);

        var outcome = await new JournalCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal(
            [
                (JournalEventKind.OomKill, "systemd-journald.service", 1),
                (JournalEventKind.OomKill, "user@1021.service", 1),
                (JournalEventKind.OomKill, "ollama.service", 3),
                (JournalEventKind.CoreDump, "app-worker", 1),
                (JournalEventKind.MountFailed, "data.mount", 1),
                (JournalEventKind.DiskFull, "postgresql.service", 50),
                (JournalEventKind.Segfault, "app-worker", 1),
            ],
            context.Snapshot.Journal!.Events!.Select(journalEvent => (journalEvent.Kind, journalEvent.Subject, journalEvent.Count)));
    }

    [Fact]
    public async Task CollectAsync_GenuineOomKill_KeepsVictimNotInvoker()
    {
        var shell = await EventsShellAsync();
        var context = CreateContext(shell);

        await new JournalCollector().CollectAsync(context);

        var oom = context.Snapshot.Journal!.Events!.First(journalEvent => journalEvent.Kind == JournalEventKind.OomKill);
        Assert.Equal(401, oom.ProcessId);
        Assert.Equal("systemd-journal", oom.ProcessName);
        Assert.Equal("systemd-journal", oom.Invoker);
        Assert.Equal(new OomVictimMemory(32724, 1112, 8888, 4), oom.Memory);
        Assert.Equal(["networkd-dispatcher.service"], oom.KilledUnits);
    }

    [Fact]
    public async Task CollectAsync_GenuineCoreDump_ReadsCoreDumpFields()
    {
        var shell = await EventsShellAsync();
        var context = CreateContext(shell);

        await new JournalCollector().CollectAsync(context);

        var coreDump = context.Snapshot.Journal!.Events!.Single(journalEvent => journalEvent.Kind == JournalEventKind.CoreDump);
        Assert.Equal("SIGSEGV", coreDump.Detail);
        Assert.Equal("/usr/bin/app-worker", coreDump.Executable);
        Assert.Equal(["app-worker.service"], coreDump.Units);
        Assert.Equal("Process 2211 (app-worker) of user 0 dumped core.", coreDump.Sample);
    }

    [Fact]
    public async Task CollectAsync_GenuineEvents_EventCursorIsLastEntryRead()
    {
        var shell = await EventsShellAsync();
        var context = CreateContext(shell);
        var eventOutput = await journal.ReadJsonAsync("journal-events", "-p", "info", "--grep=" + JournalEventRecognizer.GrepPattern);
        var errorOutput = await journal.ReadJsonAsync("journal-events", "-p", "err");
        var lastEvent = JournalJsonParser.Parse(eventOutput, 1000).Entries[^1].Cursor;
        var lastError = JournalJsonParser.Parse(errorOutput, 1000).Entries[^1].Cursor;

        await new JournalCollector().CollectAsync(context);

        // The last grep match (a disk-full line) is also the last error, so both cursors agree.
        Assert.Equal(lastEvent, context.Snapshot.Journal!.EventCursor);
        Assert.Equal(lastError, context.Snapshot.Journal.Cursor);
    }

    [Fact]
    public async Task CollectAsync_NoEventsFound_EventCursorFollowsErrorCursor()
    {
        var output = await journal.ReadJsonAsync("oom-kill", "-p", "err");
        var lastCursor = JournalJsonParser.Parse(output, 100).Entries[^1].Cursor;
        var shell = new ReplayShell().WithCommand(FirstCycleQuery, output).WithCommand(FirstCycleEventQuery, "");
        var context = CreateContext(shell);

        await new JournalCollector().CollectAsync(context);

        Assert.Equal(lastCursor, context.Snapshot.Journal!.EventCursor);
        Assert.Empty(context.Snapshot.Journal.Events!);
    }

    [Fact]
    public async Task CollectAsync_PreviousEventCursor_EventQueryContinuesAfterIt()
    {
        const string eventCursor = "s=0a1b2c3d;i=1a2b9;b=1122;m=1f2f;t=5e60;x=9f8f";
        var eventQuery = "journalctl -o json --no-pager -p info --grep=" + JournalEventRecognizer.GrepPattern + " --after-cursor=" + eventCursor + " " + Fields;
        var shell = new ReplayShell().WithCommand(NextCycleQuery, "").WithCommand(eventQuery, "");
        var previous = PreviousWithCursor(PreviousCursor);
        previous.Journal = previous.Journal! with { EventCursor = eventCursor };
        var context = CreateContext(shell, previous);

        await new JournalCollector().CollectAsync(context);

        Assert.Equal([NextCycleQuery, eventQuery], shell.CommandsRun);
        Assert.Equal(eventCursor, context.Snapshot.Journal!.EventCursor);
    }

    [Theory]
    [InlineData("Compiled without pattern matching support\n")]
    [InlineData("journalctl: unrecognized option '--grep=x'\n")]
    public async Task CollectAsync_GrepUnsupported_FindsSegfaultInKernelMessages(string standardError)
    {
        var shell = new ReplayShell()
            .WithCommand(FirstCycleQuery, await journal.ReadJsonAsync("journal-events", "-p", "err"))
            .WithCommand(FirstCycleEventQuery, "", exitCode: 1, standardError: standardError)
            .WithCommand(FirstCycleKernelQuery, await journal.ReadJsonAsync("journal-events", "-p", "warning..info", "_TRANSPORT=kernel"));
        var context = CreateContext(shell);

        var outcome = await new JournalCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Contains("--grep", outcome.Detail, StringComparison.Ordinal);
        var events = context.Snapshot.Journal!.Events!;
        Assert.Contains(events, journalEvent => journalEvent.Kind == JournalEventKind.Segfault && journalEvent.Subject == "app-worker");
        Assert.Contains(events, journalEvent => journalEvent.Kind == JournalEventKind.CoreDump && journalEvent.Subject == "app-worker");
        Assert.Contains(events, journalEvent => journalEvent.Kind == JournalEventKind.DiskFull && journalEvent.Count == 50);
        Assert.Contains(events, journalEvent => journalEvent.Kind == JournalEventKind.OomKill && journalEvent.ProcessName == "ollama" && journalEvent.Count == 3);
    }

    [Fact]
    public async Task CollectAsync_EventQueryTimesOut_ReturnsPartialWithoutEvents()
    {
        var shell = new ReplayShell()
            .WithCommand(NextCycleQuery, await journal.ReadJsonAsync("oom-kill", "-p", "err"))
            .WithCommandResult(NextCycleEventQuery, new CommandResult(CommandStatus.TimedOut, null, "", "", TimeSpan.FromSeconds(10), FailureReason: "killed"));
        var context = CreateContext(shell, PreviousWithCursor(PreviousCursor));

        var outcome = await new JournalCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("timed out", outcome.Detail, StringComparison.Ordinal);
        Assert.Null(context.Snapshot.Journal!.Events);
        Assert.Equal(PreviousCursor, context.Snapshot.Journal.EventCursor);
        Assert.Equal(3, context.Snapshot.Journal.TotalEntries);
    }

    [Fact]
    public async Task CollectAsync_DnssecFlood_RecognizesNoEvent()
    {
        var output = await journal.ReadJsonAsync("resolved-dnssec-flood", "-p", "err");
        // journalctl exits with 1 when --grep matches nothing, as it does on this journal.
        var shell = new ReplayShell().WithCommand(FirstCycleQuery, output).WithCommand(FirstCycleEventQuery, "", exitCode: 1);
        var context = CreateContext(shell);

        await new JournalCollector().CollectAsync(context);

        Assert.Equal([FirstCycleQuery, FirstCycleEventQuery], shell.CommandsRun);
        Assert.Empty(context.Snapshot.Journal!.Events!);
        Assert.Equal(300, Assert.Single(context.Snapshot.Journal.Groups).Count);
    }

    private async Task<ReplayShell> EventsShellAsync() => new ReplayShell()
        .WithCommand(FirstCycleQuery, await journal.ReadJsonAsync("journal-events", "-p", "err"))
        .WithCommand(FirstCycleEventQuery, await journal.ReadJsonAsync("journal-events", "-p", "info", "--grep=" + JournalEventRecognizer.GrepPattern));

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
