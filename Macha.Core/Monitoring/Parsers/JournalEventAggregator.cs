namespace Macha.Core.Monitoring.Parsers;

/// <summary>
/// Merges recognized journal lines into events: the lines one occurrence produces become one
/// occurrence, and repeats of an event with the same kind and subject become one event with a count.
/// </summary>
/// <remarks>
/// One OOM kill produces several lines: the kernel's invoker and victim lines, and systemd's line for
/// each unit in the victim's cgroup path (user@1021.service, user-1021.slice, user.slice …), all
/// within a moment. Lines of the OOM kind within <see cref="OccurrenceWindow"/> of the first line of
/// an occurrence join it, except that a second kernel victim line starts a new occurrence, because
/// the kernel writes one per killed process.
/// </remarks>
internal static class JournalEventAggregator
{
    /// <summary>Maximum events kept per cycle; the most frequent are kept.</summary>
    public const int MaxEvents = 100;

    /// <summary>
    /// Time within which lines belong to one occurrence. The five nested-cgroup lines of one OOM
    /// kill in a recorded syslog lie within 0.4 ms of each other.
    /// </summary>
    /// <remarks>
    /// NOTE: systemd logs a unit's "Failed with result 'oom-kill'" when it handles the unit's exit,
    /// after the kernel line. Two seconds is an estimate of that delay; a later line becomes an
    /// occurrence of its own and raises the count by one.
    /// </remarks>
    public static readonly TimeSpan OccurrenceWindow = TimeSpan.FromSeconds(2);

    /// <param name="fallbackTime">Time used for lines without a timestamp.</param>
    public static IReadOnlyList<JournalEvent> Aggregate(IEnumerable<JournalEventMatch> matches, DateTimeOffset fallbackTime)
    {
        ArgumentNullException.ThrowIfNull(matches);

        // OrderBy is stable, so lines with equal times keep the journal's order.
        var ordered = matches.OrderBy(match => match.Timestamp ?? fallbackTime).ToList();
        var occurrences = new List<Occurrence>();
        occurrences.AddRange(OomOccurrences(ordered.Where(match => match.Kind == JournalEventKind.OomKill), fallbackTime));
        occurrences.AddRange(MountOccurrences(ordered.Where(match => match.Kind == JournalEventKind.MountFailed), fallbackTime));
        occurrences.AddRange(ordered
            .Where(match => match.Kind is JournalEventKind.CoreDump or JournalEventKind.Segfault or JournalEventKind.DiskFull)
            .Select(match => Occurrence.Of(match, match.Subject ?? "unknown", fallbackTime)));

        return occurrences
            .GroupBy(occurrence => (occurrence.Kind, occurrence.Subject))
            .Select(ToEvent)
            .OrderByDescending(journalEvent => journalEvent.Count)
            .Take(MaxEvents)
            .OrderBy(journalEvent => journalEvent.Kind)
            .ThenBy(journalEvent => journalEvent.FirstSeen)
            .ToList();
    }

    private static IEnumerable<Occurrence> OomOccurrences(IEnumerable<JournalEventMatch> matches, DateTimeOffset fallbackTime)
    {
        var cluster = new List<JournalEventMatch>();
        DateTimeOffset start = default;
        foreach (var match in matches)
        {
            var time = match.Timestamp ?? fallbackTime;
            var startsNew = cluster.Count > 0
                && (time - start > OccurrenceWindow
                    || (match.Role == JournalEventRole.OomVictim && cluster.Any(line => line.Role == JournalEventRole.OomVictim)));
            if (startsNew)
            {
                if (OomOccurrence(cluster, fallbackTime) is { } occurrence)
                {
                    yield return occurrence;
                }

                cluster.Clear();
            }

            if (cluster.Count == 0)
            {
                start = time;
            }

            cluster.Add(match);
        }

        if (OomOccurrence(cluster, fallbackTime) is { } last)
        {
            yield return last;
        }
    }

    /// <summary>
    /// Builds one OOM kill from its lines. The subject is the unit systemd failed with result
    /// 'oom-kill', else the most specific unit it named, else the victim's process name. The
    /// invoker is never the subject. Lines without a victim or a unit (an invoker line alone, a
    /// SIGKILL alone) make no occurrence.
    /// </summary>
    /// <remarks>
    /// NOTE: when a cycle ends between the kernel line and systemd's line, the two cycles report
    /// the same kill under the process name and then under the unit.
    /// </remarks>
    private static Occurrence? OomOccurrence(List<JournalEventMatch> cluster, DateTimeOffset fallbackTime)
    {
        var victim = cluster.FirstOrDefault(line => line.Role == JournalEventRole.OomVictim);
        var resultUnits = UnitsOf(cluster, JournalEventRole.OomUnitResult);
        var namedUnits = UnitsOf(cluster, JournalEventRole.OomUnit);
        if (victim is null && resultUnits.Count == 0 && namedUnits.Count == 0)
        {
            return null;
        }

        var leafUnits = namedUnits.Where(unit => !IsSlice(unit)).ToList();
        var slices = namedUnits.Where(IsSlice).OrderByDescending(unit => unit.Count(c => c == '-')).ToList();
        var units = resultUnits.Concat(leafUnits).Concat(slices).Distinct(StringComparer.Ordinal).ToList();

        var subject = resultUnits.Concat(leafUnits).FirstOrDefault()
            ?? victim?.ProcessName
            ?? slices.FirstOrDefault()
            ?? "unknown";

        var first = victim ?? cluster.First(line => line.Role is JournalEventRole.OomUnitResult or JournalEventRole.OomUnit);
        return new Occurrence(
            JournalEventKind.OomKill,
            subject,
            first.Timestamp ?? fallbackTime,
            first.Sample,
            victim?.ProcessId,
            victim?.ProcessName,
            units,
            UnitsOf(cluster, JournalEventRole.SignalKill).Where(unit => !units.Contains(unit, StringComparer.Ordinal)).ToList(),
            victim?.Memory,
            cluster.LastOrDefault(line => line.Role == JournalEventRole.OomInvoker)?.ProcessName,
            null,
            null);
    }

    /// <summary>Merges the lines of one failed mount ("Failed to mount", "Mount process exited", the result) into one occurrence.</summary>
    private static IEnumerable<Occurrence> MountOccurrences(IEnumerable<JournalEventMatch> matches, DateTimeOffset fallbackTime)
    {
        var lastBySubject = new Dictionary<string, Occurrence>(StringComparer.Ordinal);
        foreach (var match in matches)
        {
            var subject = match.Subject ?? "unknown";
            var time = match.Timestamp ?? fallbackTime;
            if (lastBySubject.TryGetValue(subject, out var open) && time - open.Time <= OccurrenceWindow)
            {
                // The exit status is the most useful detail, and "Failed to mount" carries none.
                if (open.Detail is null && match.Detail is not null)
                {
                    open.Detail = match.Detail;
                }

                continue;
            }

            var occurrence = Occurrence.Of(match, subject, fallbackTime);
            lastBySubject[subject] = occurrence;
            yield return occurrence;
        }
    }

    private static List<string> UnitsOf(List<JournalEventMatch> cluster, JournalEventRole role) =>
        cluster.Where(line => line.Role == role && line.Unit is not null)
            .Select(line => line.Unit!)
            .Distinct(StringComparer.Ordinal)
            .ToList();

    private static bool IsSlice(string unit) => unit.EndsWith(".slice", StringComparison.Ordinal);

    private static JournalEvent ToEvent(IGrouping<(JournalEventKind Kind, string Subject), Occurrence> group)
    {
        var latest = group.MaxBy(occurrence => occurrence.Time)!;
        var units = Capped(group.SelectMany(occurrence => occurrence.Units));
        var killedUnits = Capped(group.SelectMany(occurrence => occurrence.KilledUnits));
        return new JournalEvent(
            group.Key.Kind,
            group.Key.Subject,
            group.Count(),
            group.Min(occurrence => occurrence.Time),
            latest.Time,
            latest.Sample,
            latest.ProcessId,
            latest.ProcessName,
            units.Count == 0 ? null : units,
            killedUnits.Count == 0 ? null : killedUnits,
            latest.Memory,
            group.LastOrDefault(occurrence => occurrence.Invoker is not null)?.Invoker,
            latest.Executable,
            latest.Detail);
    }

    private static List<string> Capped(IEnumerable<string> units) =>
        units.Distinct(StringComparer.Ordinal).Take(JournalEvent.MaxUnits).ToList();

    private sealed class Occurrence(
        JournalEventKind kind,
        string subject,
        DateTimeOffset time,
        string sample,
        int? processId,
        string? processName,
        IReadOnlyList<string> units,
        IReadOnlyList<string> killedUnits,
        OomVictimMemory? memory,
        string? invoker,
        string? executable,
        string? detail)
    {
        public JournalEventKind Kind { get; } = kind;

        public string Subject { get; } = subject;

        public DateTimeOffset Time { get; } = time;

        public string Sample { get; } = sample;

        public int? ProcessId { get; } = processId;

        public string? ProcessName { get; } = processName;

        public IReadOnlyList<string> Units { get; } = units;

        public IReadOnlyList<string> KilledUnits { get; } = killedUnits;

        public OomVictimMemory? Memory { get; } = memory;

        public string? Invoker { get; } = invoker;

        public string? Executable { get; } = executable;

        public string? Detail { get; set; } = detail;

        public static Occurrence Of(JournalEventMatch match, string subject, DateTimeOffset fallbackTime) => new(
            match.Kind,
            subject,
            match.Timestamp ?? fallbackTime,
            match.Sample,
            match.ProcessId,
            match.ProcessName,
            match.Unit is null ? [] : [match.Unit],
            [],
            match.Memory,
            null,
            match.Executable,
            match.Detail);
    }
}
