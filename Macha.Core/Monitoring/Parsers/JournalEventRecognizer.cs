using System.Globalization;
using System.Text.RegularExpressions;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>
/// Recognizes one journal entry as a line of a known event: an OOM kill, a core dump, a failed
/// mount, a disk-full error or a segfault.
/// </summary>
/// <remarks>
/// Patterns are not anchored, so they also match a line in journalctl's short format or a systemd
/// line that the kernel forwarded while journald was down ("kernel: [ 517.9] systemd[1]: …"). A
/// kernel pattern is accepted only from the kernel transport and a systemd pattern only from
/// systemd, when the entry records where it came from, so a program cannot fake either by
/// logging the same words.
/// </remarks>
internal static partial class JournalEventRecognizer
{
    /// <summary>
    /// PCRE2 pattern for <c>journalctl --grep</c> that selects every line <see cref="Recognize"/>
    /// can use. It contains upper-case letters, so journalctl matches it case-sensitively.
    /// </summary>
    public const string GrepPattern =
        "Killed process |invoked oom-killer|killed by the OOM killer|result 'oom-kill'|code=killed, status=9/KILL"
        + "| dumped core|segfault at |No space left on device|Failed to mount |Mount process exited|Dependency failed for ";

    /// <summary>Maximum length of a sample line, in UTF-16 chars, before the cut marker.</summary>
    public const int MaxSampleLength = 300;

    // Unit names are built from ASCII letters, digits and ":-_.\@"; the suffix names the unit type.
    private const string UnitName = @"(?<unit>[A-Za-z0-9:_.\\@-]+\.(?:service|scope|slice|socket|mount|automount|swap|target|timer|path|device))";

    /// <summary>Returns what part of an event the entry reports, or null when it reports none.</summary>
    public static JournalEventMatch? Recognize(JournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);

        try
        {
            return RecognizeEntry(entry);
        }
        catch (RegexMatchTimeoutException)
        {
            // The patterns have bounded repeats, so only a pathological line on an overloaded host
            // gets here. Such a line stays in the error groups instead of failing the collector.
            return null;
        }
    }

    private static JournalEventMatch? RecognizeEntry(JournalEntry entry)
    {
        var message = entry.Message;
        var timestamp = entry.Timestamp;

        if (FromKernel(entry))
        {
            if (OomKilledProcess().Match(message) is { Success: true } killed)
            {
                var memory = new OomVictimMemory(
                    ReadLong(killed, "vm"), ReadLong(killed, "anon"), ReadLong(killed, "file"), ReadLong(killed, "shmem"));
                return new JournalEventMatch(
                    JournalEventKind.OomKill, JournalEventRole.OomVictim, timestamp, Sample(message),
                    ProcessId: ReadInt(killed, "pid"), ProcessName: Cap(killed.Groups["comm"].Value), Memory: memory);
            }

            if (OomInvoker().Match(message) is { Success: true } invoker)
            {
                return new JournalEventMatch(
                    JournalEventKind.OomKill, JournalEventRole.OomInvoker, timestamp, Sample(message),
                    ProcessName: Cap(invoker.Groups["comm"].Value));
            }

            if (Segfault().Match(message) is { Success: true } segfault)
            {
                var module = segfault.Groups["module"];
                return new JournalEventMatch(
                    JournalEventKind.Segfault, JournalEventRole.Event, timestamp, Sample(message),
                    Subject: Cap(segfault.Groups["comm"].Value),
                    ProcessId: ReadInt(segfault, "pid"),
                    ProcessName: Cap(segfault.Groups["comm"].Value),
                    Detail: module.Success ? Cap(module.Value) : null);
            }
        }

        if (FromSystemd(entry))
        {
            var systemdMatch = RecognizeSystemd(entry, message, timestamp);
            if (systemdMatch is not null)
            {
                return systemdMatch;
            }
        }

        if (FromCoreDump(entry) && CoreDumped().Match(message) is { Success: true } dumped)
        {
            var fields = entry.CoreDump;
            var processName = fields?.ProcessName ?? Cap(dumped.Groups["comm"].Value);
            return new JournalEventMatch(
                JournalEventKind.CoreDump, JournalEventRole.Event, timestamp, Sample(message),
                Subject: processName,
                ProcessId: fields?.ProcessId ?? ReadInt(dumped, "pid"),
                ProcessName: processName,
                Unit: fields?.Unit,
                Executable: fields?.Executable,
                Detail: fields?.SignalName);
        }

        if (message.Contains("No space left on device", StringComparison.Ordinal))
        {
            var source = !string.IsNullOrEmpty(entry.Unit) ? entry.Unit : entry.Identifier ?? "unknown";
            return new JournalEventMatch(
                JournalEventKind.DiskFull, JournalEventRole.Event, timestamp, Sample(message), Subject: Cap(source), Unit: entry.Unit);
        }

        return null;
    }

    private static JournalEventMatch? RecognizeSystemd(JournalEntry entry, string message, DateTimeOffset? timestamp)
    {
        if (OomUnitKilled().Match(message) is { Success: true } oomUnit)
        {
            return new JournalEventMatch(
                JournalEventKind.OomKill, JournalEventRole.OomUnit, timestamp, Sample(message), Unit: oomUnit.Groups["unit"].Value);
        }

        if (UnitFailedResult().Match(message) is { Success: true } result)
        {
            var unit = result.Groups["unit"].Value;
            var reason = result.Groups["result"].Value;
            if (reason == "oom-kill")
            {
                return new JournalEventMatch(
                    JournalEventKind.OomKill, JournalEventRole.OomUnitResult, timestamp, Sample(message), Unit: unit);
            }

            return unit.EndsWith(".mount", StringComparison.Ordinal)
                ? MountMatch(unit, "result " + Cap(reason), message, timestamp)
                : null;
        }

        if (MainProcessKilled().Match(message) is { Success: true } sigkill)
        {
            return new JournalEventMatch(
                JournalEventKind.OomKill, JournalEventRole.SignalKill, timestamp, Sample(message), Unit: sigkill.Groups["unit"].Value);
        }

        if (MountProcessExited().Match(message) is { Success: true } exited)
        {
            return MountMatch(exited.Groups["unit"].Value, Cap(exited.Groups["status"].Value), message, timestamp);
        }

        if (FailedToMount().Match(message) is { Success: true } failed)
        {
            return MountMatch(MountSubject(entry, failed.Groups["what"].Value), null, message, timestamp);
        }

        // "Dependency failed for X." is about the unit in UNIT=, so it is a mount only when that field
        // names one. X is the unit's description, which systemd sets to the path for fstab mounts.
        if (DependencyFailed().Match(message) is { Success: true } dependency)
        {
            var referenced = entry.ReferencedUnit;
            if (referenced is not null && referenced.EndsWith(".mount", StringComparison.Ordinal))
            {
                return MountMatch(referenced, "dependency failed", message, timestamp);
            }

            var what = dependency.Groups["what"].Value;
            if (referenced is null && what.StartsWith('/'))
            {
                return MountMatch(MountUnitName.FromPath(what), "dependency failed", message, timestamp);
            }
        }

        return null;
    }

    private static JournalEventMatch MountMatch(string subject, string? detail, string message, DateTimeOffset? timestamp) =>
        new(JournalEventKind.MountFailed, JournalEventRole.Event, timestamp, Sample(message), Subject: Cap(subject), Unit: subject, Detail: detail);

    /// <summary>Names a failed mount by its unit, which stays the same whichever message reported it.</summary>
    private static string MountSubject(JournalEntry entry, string what)
    {
        if (entry.ReferencedUnit is { } referenced && referenced.EndsWith(".mount", StringComparison.Ordinal))
        {
            return referenced;
        }

        return what.StartsWith('/') ? MountUnitName.FromPath(what) : what;
    }

    private static bool FromKernel(JournalEntry entry) => entry.Transport is null or "kernel";

    // A systemd line forwarded through the kernel log starts with "systemd[1]: ".
    private static bool FromSystemd(JournalEntry entry) =>
        (entry.Transport is null && entry.Identifier is null)
        || entry.Identifier == "systemd"
        || (entry.Transport == "kernel" && entry.Message.Contains("systemd[1]: ", StringComparison.Ordinal));

    private static bool FromCoreDump(JournalEntry entry) =>
        (entry.Transport is null && entry.Identifier is null) || entry.Identifier == "systemd-coredump";

    /// <summary>Returns the first line of a message, cut to <see cref="MaxSampleLength"/>.</summary>
    private static string Sample(string message)
    {
        var newline = message.IndexOf('\n', StringComparison.Ordinal);
        return Cap(newline < 0 ? message : message[..newline]);
    }

    private static string Cap(string text)
    {
        if (text.Length <= MaxSampleLength)
        {
            return text;
        }

        var end = char.IsHighSurrogate(text[MaxSampleLength - 1]) ? MaxSampleLength - 1 : MaxSampleLength;
        return text[..end] + "…";
    }

    private static int? ReadInt(Match match, string group) =>
        int.TryParse(match.Groups[group].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static long? ReadLong(Match match, string group) =>
        match.Groups[group].Success
        && long.TryParse(match.Groups[group].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    // "Out of memory: Killed process 401 (systemd-journal) total-vm:32724kB, anon-rss:1112kB, file-rss:8888kB, shmem-rss:4kB, …"
    // and the "Memory cgroup out of memory: " form. A process name may itself contain ")", so with
    // figures present the name runs to the ") total-vm:" that follows it.
    [GeneratedRegex(
        @"\bKilled process (?<pid>\d{1,10}) \((?:(?<comm>.{0,64}?)\) total-vm:(?<vm>\d{1,15})kB, anon-rss:(?<anon>\d{1,15})kB, file-rss:(?<file>\d{1,15})kB(?:, shmem-rss:(?<shmem>\d{1,15})kB)?|(?<comm>[^)]{0,64})\))",
        RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex OomKilledProcess();

    [GeneratedRegex(@"(?:^|: |\] )(?<comm>[^\[\]\n]{1,64}?) invoked oom-killer: ", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex OomInvoker();

    // "name[pid]: segfault at 0 ip 00007f… sp 00007ffc… error 4 in libc.so.6[7f…+1b000]"; the kernel
    // cuts a process name at 15 bytes, and names may contain spaces.
    [GeneratedRegex(
        @"(?:^|: |\] )(?<comm>[^\[\]\n]{1,15})\[(?<pid>\d{1,10})\]: segfault at [0-9a-f]+ ip [0-9a-f]+ sp [0-9a-f]+ error [0-9a-f]+(?: in (?<module>[^\[\s]{1,200})\[)?",
        RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Segfault();

    [GeneratedRegex(UnitName + @": A process of this unit has been killed by the OOM killer\.", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex OomUnitKilled();

    [GeneratedRegex(UnitName + @": Failed with result '(?<result>[a-z-]{1,40})'", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex UnitFailedResult();

    [GeneratedRegex(UnitName + @": Main process exited, code=killed, status=9/KILL", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex MainProcessKilled();

    [GeneratedRegex(@"(?<unit>[A-Za-z0-9:_.\\@-]+\.mount): Mount process exited, code=(?<code>[a-z]+), status=(?<status>\S{1,40})", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex MountProcessExited();

    [GeneratedRegex(@"Failed to mount (?<what>.{1,300}?)\.?$", RegexOptions.CultureInvariant | RegexOptions.Multiline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex FailedToMount();

    [GeneratedRegex(@"Dependency failed for (?<what>.{1,300}?)\.?$", RegexOptions.CultureInvariant | RegexOptions.Multiline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex DependencyFailed();

    // "Process 1234 (name) of user 0 dumped core." from systemd-coredump.
    [GeneratedRegex(@"Process (?<pid>\d{1,10}) \((?<comm>.{0,64}?)\) of user \d{1,10} dumped core", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex CoreDumped();
}

/// <summary>What part of an event one journal line reports.</summary>
internal enum JournalEventRole
{
    /// <summary>The line is a whole event on its own.</summary>
    Event,

    /// <summary>The kernel's "Killed process" line, which names the victim.</summary>
    OomVictim,

    /// <summary>The kernel's "X invoked oom-killer" line, which names only the allocating process.</summary>
    OomInvoker,

    /// <summary>systemd's "A process of this unit has been killed by the OOM killer."</summary>
    OomUnit,

    /// <summary>systemd's "Failed with result 'oom-kill'." for a unit.</summary>
    OomUnitResult,

    /// <summary>systemd's "Main process exited, code=killed, status=9/KILL" for a unit.</summary>
    SignalKill,
}

/// <summary>One journal line recognized as part of an event, before lines of one event are merged.</summary>
/// <param name="Timestamp">Time of the journal entry; null when unknown.</param>
/// <param name="Subject">The event's subject, for kinds whose subject one line already gives.</param>
internal sealed record JournalEventMatch(
    JournalEventKind Kind,
    JournalEventRole Role,
    DateTimeOffset? Timestamp,
    string Sample,
    string? Subject = null,
    int? ProcessId = null,
    string? ProcessName = null,
    string? Unit = null,
    OomVictimMemory? Memory = null,
    string? Executable = null,
    string? Detail = null);
