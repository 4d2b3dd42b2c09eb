using System.Globalization;
using Macha.Core.Monitoring;

namespace Macha.Core.Detection.Detectors;

/// <summary>
/// Reports each event the journal collector recognized (OOM kill, core dump, failed mount,
/// disk-full error, segfault) as one finding per kind and subject, with the count of occurrences
/// since the last check.
/// </summary>
/// <remarks>
/// These events need no threshold, because one OOM kill or failed mount is already a problem.
/// Evidence contains figures and names only, never the log line, which may carry a secret and
/// travels into notifications.
/// </remarks>
internal sealed class JournalEventDetector : IDetector
{
    public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous)
    {
        ArgumentNullException.ThrowIfNull(current);

        var events = current.Journal?.Events;
        if (events is null)
        {
            return [];
        }

        return events.Select(journalEvent => ToFinding(current.HostName, journalEvent)).ToList();
    }

    private static Finding ToFinding(string hostName, JournalEvent journalEvent)
    {
        var evidence = new EvidenceText()
            .Add("count", journalEvent.Count)
            .Add("first_seen", journalEvent.FirstSeen.ToString("O", CultureInfo.InvariantCulture))
            .Add("last_seen", journalEvent.LastSeen.ToString("O", CultureInfo.InvariantCulture));
        if (journalEvent.ProcessId is { } processId)
        {
            evidence.Add("pid", processId);
        }

        evidence.Add("process", journalEvent.ProcessName);
        if (journalEvent.Memory is { } memory)
        {
            AddKiB(evidence, "total_vm", memory.TotalVmKiB);
            AddKiB(evidence, "anon_rss", memory.AnonRssKiB);
            AddKiB(evidence, "file_rss", memory.FileRssKiB);
            AddKiB(evidence, "shmem_rss", memory.ShmemRssKiB);
        }

        evidence
            .Add("invoker", journalEvent.Invoker)
            .Add("units", journalEvent.Units is null ? null : string.Join(',', journalEvent.Units))
            .Add("killed_units", journalEvent.KilledUnits is null ? null : string.Join(',', journalEvent.KilledUnits))
            .Add("executable", journalEvent.Executable)
            .Add(DetailKey(journalEvent.Kind), journalEvent.Detail);

        var (kind, severity) = Classify(journalEvent.Kind);
        return new Finding(hostName, kind, journalEvent.Subject, severity, Summarize(journalEvent), evidence.ToString());
    }

    // An OOM kill, a failed mount and a full disk each take away something the host should provide.
    // A crash of one process may be harmless, and a service set to restart comes back by itself.
    private static (FindingKind Kind, Severity Severity) Classify(JournalEventKind kind) => kind switch
    {
        JournalEventKind.OomKill => (FindingKind.OomKill, Severity.Critical),
        JournalEventKind.MountFailed => (FindingKind.MountFailed, Severity.Critical),
        JournalEventKind.DiskFull => (FindingKind.DiskFullError, Severity.Critical),
        JournalEventKind.CoreDump => (FindingKind.CoreDump, Severity.Warning),
        _ => (FindingKind.Segfault, Severity.Warning),
    };

    private static string DetailKey(JournalEventKind kind) => kind switch
    {
        JournalEventKind.CoreDump => "signal",
        JournalEventKind.Segfault => "module",
        JournalEventKind.MountFailed => "status",
        _ => "detail",
    };

    private static string Summarize(JournalEvent journalEvent)
    {
        var times = journalEvent.Count == 1 ? "once" : journalEvent.Count.ToString(CultureInfo.InvariantCulture) + " times";
        return journalEvent.Kind switch
        {
            JournalEventKind.OomKill => OomSummary(journalEvent, times),
            JournalEventKind.CoreDump => $"{journalEvent.Subject} crashed and dumped core {times} since the last check.",
            JournalEventKind.MountFailed => $"{journalEvent.Subject} failed to mount {times} since the last check.",
            JournalEventKind.DiskFull => $"{journalEvent.Subject} logged \"No space left on device\" {times} since the last check.",
            _ => $"{journalEvent.Subject} crashed with a segmentation fault {times} since the last check.",
        };
    }

    // The victim is often a small bystander such as journald, so the summary blames the host's
    // memory shortage rather than the victim.
    private static string OomSummary(JournalEvent journalEvent, string times)
    {
        var victim = journalEvent.ProcessName is { } name && name != journalEvent.Subject
            ? $"{journalEvent.Subject} (process {name})"
            : journalEvent.Subject;
        return $"The OOM killer killed {victim} {times} since the last check because memory ran out.";
    }

    private static void AddKiB(EvidenceText evidence, string key, long? kibibytes)
    {
        if (kibibytes is { } value)
        {
            evidence.AddBytes(key, value * 1024);
        }
    }
}
