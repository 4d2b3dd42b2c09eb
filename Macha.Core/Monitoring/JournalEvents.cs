namespace Macha.Core.Monitoring;

/// <summary>A kind of journal event that Macha recognizes by its message.</summary>
public enum JournalEventKind
{
    /// <summary>The kernel or a memory cgroup killed a process because memory ran out.</summary>
    OomKill,

    /// <summary>systemd-coredump recorded a crashed process.</summary>
    CoreDump,

    /// <summary>systemd failed to mount a filesystem.</summary>
    MountFailed,

    /// <summary>A program logged "No space left on device" (ENOSPC).</summary>
    DiskFull,

    /// <summary>The kernel logged a segmentation fault of a user process.</summary>
    Segfault,
}

/// <summary>
/// Memory figures of the victim from the kernel's "Killed process" line, in KiB. A figure is null
/// when the kernel did not print it, as kernels before 4.9 do for shmem-rss.
/// </summary>
public sealed record OomVictimMemory(
    long? TotalVmKiB,
    long? AnonRssKiB,
    long? FileRssKiB,
    long? ShmemRssKiB);

/// <summary>
/// One recognized event, or repeats of it: occurrences with the same kind and subject in one cycle
/// are one record with a count. All text is sanitized and length-capped.
/// </summary>
/// <param name="Subject">
/// What the event is about: for an OOM kill the unit systemd named or else the victim's process name
/// (never the process that invoked the OOM killer); the process name for a core dump or segfault;
/// the mount unit for a failed mount; the unit or syslog identifier that logged a disk-full error.
/// </param>
/// <param name="Count">Occurrences since the previous cycle. Lines logged for one occurrence, such as the nested slices of one OOM kill, count once.</param>
/// <param name="Sample">The first line of one message that shows the event.</param>
/// <param name="ProcessId">PID of the victim, crashed process or faulting process in the latest occurrence.</param>
/// <param name="ProcessName">Process name (comm) of that process.</param>
/// <param name="Units">Units systemd named for the event, most specific first, at most <see cref="MaxUnits"/>.</param>
/// <param name="KilledUnits">
/// For an OOM kill, units whose main process systemd saw killed by SIGKILL at the same moment. They
/// are usually victims of the same memory shortage, not failures of their own.
/// </param>
/// <param name="Memory">For an OOM kill, the victim's memory figures in the latest occurrence.</param>
/// <param name="Invoker">For an OOM kill, the process whose allocation invoked the OOM killer; it is not the culprit.</param>
/// <param name="Executable">For a core dump, the path of the crashed executable when systemd-coredump recorded it.</param>
/// <param name="Detail">
/// A short fact by kind: the signal name of a core dump, the module a segfault happened in, the
/// exit status or result of a failed mount.
/// </param>
public sealed record JournalEvent(
    JournalEventKind Kind,
    string Subject,
    int Count,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    string Sample,
    int? ProcessId = null,
    string? ProcessName = null,
    IReadOnlyList<string>? Units = null,
    IReadOnlyList<string>? KilledUnits = null,
    OomVictimMemory? Memory = null,
    string? Invoker = null,
    string? Executable = null,
    string? Detail = null)
{
    /// <summary>Maximum units kept in <see cref="Units"/> and in <see cref="KilledUnits"/>.</summary>
    public const int MaxUnits = 10;
}
