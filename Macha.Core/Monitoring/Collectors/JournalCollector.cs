using System.Globalization;
using Macha.Core.Hosts;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Monitoring.Collectors;

/// <summary>
/// Reads journal entries of priority err and worse written since the previous cycle, and groups
/// them by unit and identifier. A second query finds known events (OOM kills, core dumps, failed
/// mounts, disk-full errors, segfaults) at any priority from emerg to info.
/// </summary>
/// <remarks>
/// The previous snapshot's cursor marks where to continue, so no entry is counted twice and none
/// is lost between cycles. On the first cycle, or when the previous cycle has no cursor, the
/// collector reads back <see cref="MonitoringOptions.JournalInitialLookback"/> on the host's clock.
/// The event query keeps a cursor of its own, because it reads other entries.
/// </remarks>
internal sealed class JournalCollector : ICollector
{
    // Fields the parsers read; journalctl adds __CURSOR and __REALTIME_TIMESTAMP itself. Asking for
    // these alone makes each JSON line a fraction of its full size, so more entries fit under the
    // output cap. COREDUMP itself, the core image, is never asked for.
    private const string OutputFields =
        "--output-fields=MESSAGE,PRIORITY,_SYSTEMD_UNIT,UNIT,SYSLOG_IDENTIFIER,_COMM,_TRANSPORT,"
        + "COREDUMP_PID,COREDUMP_COMM,COREDUMP_EXE,COREDUMP_SIGNAL_NAME,COREDUMP_UNIT";

    public string Name => "journal";

    public async Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);

        var previousCursor = context.Previous?.Journal?.Cursor;
        var lookback = "--since=-" + ((long)context.Options.JournalInitialLookback.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
        var start = previousCursor is null ? lookback : "--after-cursor=" + previousCursor;

        var request = BuildQuery(context, start, OutputFields);
        var result = await context.Shell.RunAsync(request, cancellationToken);

        if (previousCursor is not null && IsCursorRejected(result))
        {
            // The cursor no longer parses, for instance after the journal was deleted and recreated.
            start = lookback;
            request = BuildQuery(context, start, OutputFields);
            result = await context.Shell.RunAsync(request, cancellationToken);
        }

        if (IsOutputFieldsUnsupported(result))
        {
            // systemd before version 236 has no --output-fields and prints every field instead.
            request = BuildQuery(context, start, null);
            result = await context.Shell.RunAsync(request, cancellationToken);
        }

        if (result.Status != CommandStatus.Exited || result.ExitCode != 0)
        {
            return CollectorOutcome.FromCommand(result, request);
        }

        var parsed = JournalJsonParser.Parse(result.StandardOutput, context.Options.JournalMaxEntries);
        if (parsed.Entries.Count == 0 && previousCursor is null)
        {
            var missing = await DetectMissingJournalAsync(context, result, cancellationToken);
            if (missing is not null)
            {
                return missing;
            }
        }

        var skippedLines = CountSkippedLines(result, parsed);
        var moreAvailable = parsed.MoreAvailable || result.OutputTruncated;
        var cursor = parsed.Entries.LastOrDefault(entry => entry.Cursor is not null)?.Cursor ?? previousCursor;

        var previousEventCursor = context.Previous?.Journal?.EventCursor;
        var events = await JournalEventQuery.RunAsync(
            context, previousEventCursor, start, request.Arguments.Contains(OutputFields) ? OutputFields : null, cursor, cancellationToken);

        // In the kernel-only fallback, events that systemd and programs log at err and worse come
        // from the error query. The two queries read disjoint priorities, so no line counts twice.
        var eventEntries = events.ErrorEntriesNeeded ? parsed.Entries.Concat(events.Entries) : events.Entries;
        var recognized = eventEntries.Select(JournalEventRecognizer.Recognize).OfType<JournalEventMatch>();

        context.Snapshot.Journal = new JournalSection(
            JournalErrorGrouper.Group(parsed.Entries, context.Snapshot.TakenAt),
            parsed.Entries.Count,
            cursor,
            skippedLines + events.SkippedLines,
            moreAvailable,
            events.Failure is null ? JournalEventAggregator.Aggregate(recognized, context.Snapshot.TakenAt) : null,
            events.Failure is null ? events.Cursor : previousEventCursor ?? previousCursor);

        var problems = new List<string>();
        if (result.StandardError.Contains("not seeing messages from other users", StringComparison.Ordinal))
        {
            problems.Add("journalctl shows only the Macha user's own entries; add that user to the systemd-journal group");
        }

        if (skippedLines + events.SkippedLines > 0)
        {
            problems.Add($"{skippedLines + events.SkippedLines} journalctl output lines were not valid JSON entries and were skipped");
        }

        if (events.Failure is not null)
        {
            problems.Add("events (OOM kills, core dumps, failed mounts, disk-full errors, segfaults) were not checked: " + events.Failure);
        }

        if (problems.Count > 0)
        {
            return CollectorOutcome.Partial(string.Join("; ", problems.Append(events.Note).OfType<string>()));
        }

        return events.Note is null ? CollectorOutcome.Ok() : new CollectorOutcome(CollectorState.Ok, events.Note);
    }

    /// <summary>
    /// Counts lines that were not JSON entries. A last line cut by the output cap is expected, not
    /// bad output: the next cycle reads that entry again because the cursor stops before it.
    /// </summary>
    internal static int CountSkippedLines(CommandResult result, JournalParseResult parsed)
    {
        var lastLineCut = result.OutputTruncated && !parsed.MoreAvailable && !result.StandardOutput.EndsWith('\n');
        return lastLineCut ? Math.Max(0, parsed.SkippedLines - 1) : parsed.SkippedLines;
    }

    internal static bool IsCursorRejected(CommandResult result) =>
        result.Status == CommandStatus.Exited
        && result.ExitCode != 0
        && result.StandardError.Contains("cursor", StringComparison.OrdinalIgnoreCase);

    private static CommandRequest BuildQuery(CollectionContext context, string start, string? outputFields)
    {
        var arguments = new List<string> { "-o", "json", "--no-pager", "-p", "err", start };
        if (outputFields is not null)
        {
            arguments.Add(outputFields);
        }

        return context.Command("journalctl", [.. arguments]);
    }

    private static bool IsOutputFieldsUnsupported(CommandResult result) =>
        result.Status == CommandStatus.Exited
        && result.ExitCode != 0
        && result.StandardError.Contains("output-fields", StringComparison.Ordinal);

    /// <summary>
    /// Tells "no errors in the window" from "no journal at all". journalctl prints nothing in both
    /// cases with -o json, so this runs it once more with --disk-usage, which reports missing
    /// journal files. It runs only while no cursor exists, because a cursor proves that the journal
    /// has entries.
    /// </summary>
    private static async Task<CollectorOutcome?> DetectMissingJournalAsync(
        CollectionContext context, CommandResult query, CancellationToken cancellationToken)
    {
        const string NoFilesMessage = "No journal files were found";
        if (query.StandardError.Contains(NoFilesMessage, StringComparison.Ordinal))
        {
            return CollectorOutcome.Unavailable($"journalctl: {NoFilesMessage} (journald is not running or keeps no journal)");
        }

        var probe = context.Command("journalctl", "--disk-usage", "--no-pager");
        var result = await context.Shell.RunAsync(probe, cancellationToken);
        var output = result.StandardError + result.StandardOutput;
        return output.Contains(NoFilesMessage, StringComparison.Ordinal)
            ? CollectorOutcome.Unavailable($"journalctl: {NoFilesMessage} (journald is not running or keeps no journal)")
            : null;
    }
}
