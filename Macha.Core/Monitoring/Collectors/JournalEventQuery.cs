using Macha.Core.Hosts;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Monitoring.Collectors;

/// <summary>
/// Reads the journal entries that may report a known event, whatever their priority down to info.
/// The error query alone misses them: the kernel logs segfaults at info, and systemd logs "Failed
/// with result 'oom-kill'" at warning and "killed by the OOM killer" at notice.
/// </summary>
/// <remarks>
/// The query lets journalctl select lines with <c>--grep</c>, so its output stays small. journalctl
/// without PCRE2 support (built without it, or systemd before 237) rejects <c>--grep</c>; then
/// the query reads kernel messages of priority warning to info and leaves the matching to
/// <see cref="JournalEventRecognizer"/>, under the same entry limit and output cap.
/// </remarks>
internal static class JournalEventQuery
{
    // A match on the journal's own field instead of -k, because -k also restricts the query to the
    // current boot, which would drop a segfault logged before a reboot since the last cycle.
    private const string KernelTransportMatch = "_TRANSPORT=kernel";

    /// <param name="previousEventCursor">Where the previous cycle's event query stopped; null to start at <paramref name="errorStart"/>.</param>
    /// <param name="errorStart">The start argument the error query ran with: a cursor or a lookback.</param>
    /// <param name="outputFields">The --output-fields argument, or null when journalctl does not support it.</param>
    /// <param name="errorCursor">Cursor of the last entry the error query read.</param>
    public static async Task<JournalEventRead> RunAsync(
        CollectionContext context,
        string? previousEventCursor,
        string errorStart,
        string? outputFields,
        string? errorCursor,
        CancellationToken cancellationToken)
    {
        var start = previousEventCursor is null ? errorStart : "--after-cursor=" + previousEventCursor;
        var grep = Build(context, ["-p", "info", "--grep=" + JournalEventRecognizer.GrepPattern], start, outputFields);
        var result = await context.Shell.RunAsync(grep, cancellationToken);

        if (previousEventCursor is not null && JournalCollector.IsCursorRejected(result))
        {
            start = errorStart;
            grep = Build(context, ["-p", "info", "--grep=" + JournalEventRecognizer.GrepPattern], start, outputFields);
            result = await context.Shell.RunAsync(grep, cancellationToken);
        }

        if (result.Succeeded || IsNoMatch(result))
        {
            return Read(context, result, previousEventCursor, errorCursor, errorEntriesNeeded: false, note: null);
        }

        if (result.Status != CommandStatus.Exited)
        {
            return JournalEventRead.Failed(result.Describe(grep.DisplayText));
        }

        var fallback = Build(context, ["-p", "warning..info", KernelTransportMatch], start, outputFields);
        var fallbackResult = await context.Shell.RunAsync(fallback, cancellationToken);
        if (!fallbackResult.Succeeded)
        {
            return JournalEventRead.Failed(fallbackResult.Describe(fallback.DisplayText));
        }

        var note = $"{result.Describe("journalctl --grep")}, so events were looked for in kernel messages of priority "
            + "warning to info and in the errors; OOM kills that systemd logs only at notice or warning are missed";
        return Read(context, fallbackResult, previousEventCursor, errorCursor, errorEntriesNeeded: true, note);
    }

    private static JournalEventRead Read(
        CollectionContext context, CommandResult result, string? previousEventCursor, string? errorCursor, bool errorEntriesNeeded, string? note)
    {
        var parsed = JournalJsonParser.Parse(result.StandardOutput, context.Options.JournalMaxEntries);
        var lastRead = parsed.Entries.LastOrDefault(entry => entry.Cursor is not null)?.Cursor ?? previousEventCursor;

        // A query that read everything also scanned past the error query's last entry, since it ran
        // later, so the next cycle can start at whichever is later. A capped query must go on from
        // its own last entry, or the entries it left unread would be skipped.
        var capped = parsed.MoreAvailable || result.OutputTruncated;
        var cursor = capped ? lastRead : JournalCursor.Later(lastRead, errorCursor);

        return new JournalEventRead(parsed.Entries, cursor, JournalCollector.CountSkippedLines(result, parsed), errorEntriesNeeded, note, null);
    }

    /// <summary>
    /// Tells "nothing matched" from a failure: journalctl 252 exits with 1 when --grep matched no
    /// entry, and prints nothing but perhaps its hint about missing permissions.
    /// </summary>
    private static bool IsNoMatch(CommandResult result) =>
        result.Status == CommandStatus.Exited
        && result.ExitCode == 1
        && string.IsNullOrWhiteSpace(result.StandardOutput)
        && result.StandardError.Split('\n').All(line => line.Length == 0 || line.StartsWith("Hint:", StringComparison.Ordinal));

    private static CommandRequest Build(CollectionContext context, string[] selection, string start, string? outputFields)
    {
        List<string> arguments = ["-o", "json", "--no-pager", .. selection, start];
        if (outputFields is not null)
        {
            arguments.Add(outputFields);
        }

        return context.Command("journalctl", [.. arguments]);
    }
}

/// <summary>The entries the event query read, and where the next one starts.</summary>
/// <param name="ErrorEntriesNeeded">True when the query read only kernel messages, so events must also be looked for among the error query's entries.</param>
/// <param name="Note">Which query ran, when it was the fallback; for the collector status.</param>
/// <param name="Failure">Why no query succeeded; null on success.</param>
internal sealed record JournalEventRead(
    IReadOnlyList<JournalEntry> Entries,
    string? Cursor,
    int SkippedLines,
    bool ErrorEntriesNeeded,
    string? Note,
    string? Failure)
{
    public static JournalEventRead Failed(string reason) => new([], null, 0, false, null, reason);
}
