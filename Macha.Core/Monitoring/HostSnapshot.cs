namespace Macha.Core.Monitoring;

/// <summary>
/// Everything one health cycle collected from one host. A section is null when its collector did
/// not run or produced nothing; <see cref="Collectors"/> says why.
/// </summary>
public sealed class HostSnapshot
{
    public required string HostName { get; init; }

    public required DateTimeOffset TakenAt { get; init; }

    public CpuSection? Cpu { get; set; }

    public LoadSection? Load { get; set; }

    public MemorySection? Memory { get; set; }

    public BootSection? Boot { get; set; }

    public IReadOnlyList<FilesystemUsage>? Filesystems { get; set; }

    public SystemdSection? Systemd { get; set; }

    public JournalSection? Journal { get; set; }

    public NetworkSection? Network { get; set; }

    public PressureSection? Pressure { get; set; }

    public ProcessesSection? Processes { get; set; }

    /// <summary>Network filesystems found in the mount table, each with the outcome of its stat -f probe.</summary>
    public IReadOnlyList<NetworkMountStatus>? NetworkMounts { get; set; }

    public NixosSection? Nixos { get; set; }

    /// <summary>The distribution from /etc/os-release; null when the os collector did not run or found no file.</summary>
    public OsSection? Os { get; set; }

    /// <summary>How the SSH connection stood; null for the local host.</summary>
    public HostConnectionSection? Connection { get; set; }

    public List<CollectorStatus> Collectors { get; init; } = [];

    public CollectorStatus? StatusOf(string collectorName) =>
        Collectors.FirstOrDefault(status => status.Name == collectorName);
}

/// <summary>Cumulative CPU time counters from the first line of /proc/stat, in clock ticks.</summary>
public sealed record CpuCounters(
    ulong User,
    ulong Nice,
    ulong System,
    ulong Idle,
    ulong IoWait,
    ulong Irq,
    ulong SoftIrq,
    ulong Steal)
{
    public ulong Total => User + Nice + System + Idle + IoWait + Irq + SoftIrq + Steal;

    public ulong IdleTotal => Idle + IoWait;
}

/// <summary>CPU use between the previous cycle and this one.</summary>
/// <param name="UsagePercent">Busy share of all CPUs since the previous sample; null on the first sample.</param>
/// <param name="IoWaitPercent">Share of time spent waiting for I/O since the previous sample; null on the first sample.</param>
public sealed record CpuSection(
    CpuCounters Counters,
    int LogicalCpuCount,
    double? UsagePercent,
    double? IoWaitPercent);

/// <summary>Load averages from /proc/loadavg, with the CPU count to judge them by.</summary>
public sealed record LoadSection(
    double Load1,
    double Load5,
    double Load15,
    int LogicalCpuCount)
{
    public double Load5PerCore => LogicalCpuCount > 0 ? Load5 / LogicalCpuCount : Load5;
}

/// <summary>Memory and swap from /proc/meminfo, in bytes.</summary>
/// <param name="AvailableSource">Which fields gave <see cref="AvailableBytes"/>: "MemAvailable" or the fallback sum.</param>
public sealed record MemorySection(
    long TotalBytes,
    long AvailableBytes,
    string AvailableSource,
    long SwapTotalBytes,
    long SwapFreeBytes)
{
    public double UsedPercent => TotalBytes > 0 ? 100.0 * (TotalBytes - AvailableBytes) / TotalBytes : 0;

    /// <summary>Share of swap in use; null when the host has no swap.</summary>
    public double? SwapUsedPercent =>
        SwapTotalBytes > 0 ? 100.0 * (SwapTotalBytes - SwapFreeBytes) / SwapTotalBytes : null;
}

/// <summary>Uptime and boot time.</summary>
/// <param name="BootId">The kernel's boot id, when readable; a change means the host rebooted.</param>
public sealed record BootSection(
    TimeSpan Uptime,
    DateTimeOffset BootedAt,
    string? BootId);

/// <summary>Space and inode use of one mounted filesystem.</summary>
/// <param name="InodesTotal">Null when the filesystem does not report inodes (btrfs, vfat).</param>
public sealed record FilesystemUsage(
    string Source,
    string? FilesystemType,
    string MountPoint,
    long SizeBytes,
    long UsedBytes,
    long AvailableBytes,
    long? InodesTotal = null,
    long? InodesUsed = null)
{
    /// <summary>Used share as df computes it: used / (used + available), which counts reserved blocks as full.</summary>
    public double UsedPercent =>
        UsedBytes + AvailableBytes > 0 ? 100.0 * UsedBytes / (UsedBytes + AvailableBytes) : 0;

    public double? InodesUsedPercent =>
        InodesTotal is > 0 && InodesUsed is not null ? 100.0 * InodesUsed.Value / InodesTotal.Value : null;
}

/// <summary>One systemd unit as <c>systemctl list-units</c> reports it.</summary>
/// <param name="Description">Null when the unit has no Description= and systemd printed its name instead.</param>
/// <param name="Failure">Properties of a failed unit from <c>systemctl show</c>; null for other units or when they could not be read.</param>
public sealed record UnitState(
    string Name,
    string Load,
    string Active,
    string Sub,
    string? Description,
    UnitFailureDetails? Failure = null);

/// <summary>What the service manager reports.</summary>
/// <param name="SystemState">Output of <c>systemctl is-system-running</c>: running, degraded, and so on.</param>
/// <param name="UnitListFromTable">
/// True when systemctl printed its table although JSON was requested, as systemd older than about
/// version 246 does. This is a capability of the host, not a fault.
/// </param>
/// <param name="TransitioningUnits">Units still activating or deactivating; null when they could not be read.</param>
/// <param name="ServiceRestarts">
/// Services that systemd restarted automatically at least once since boot; a service not listed has
/// not restarted. Null when the restart counts could not be read.
/// </param>
public sealed record SystemdSection(
    IReadOnlyList<UnitState> FailedUnits,
    string? SystemState,
    bool UnitListFromTable = false,
    IReadOnlyList<TransitioningUnit>? TransitioningUnits = null,
    IReadOnlyList<ServiceRestarts>? ServiceRestarts = null);

/// <summary>Journal entries of priority err and worse, grouped by unit and identifier.</summary>
public sealed record JournalErrorGroup(
    string? Unit,
    string? Identifier,
    int Priority,
    int Count,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    IReadOnlyList<string> Samples);

/// <summary>Journal errors since the previous cycle.</summary>
/// <param name="Cursor">Cursor of the last entry read; the next cycle starts after it.</param>
/// <param name="SkippedLines">Output lines that were not journal entries and were left out.</param>
/// <param name="MoreAvailable">True when the entry limit or the output cap was reached; the next cycle reads on from <see cref="Cursor"/>.</param>
/// <param name="Events">Recognized events (OOM kills, core dumps, failed mounts, disk-full errors, segfaults) at any priority; null when they were not read.</param>
/// <param name="EventCursor">Where the next cycle's event query starts; null to start at <see cref="Cursor"/>.</param>
public sealed record JournalSection(
    IReadOnlyList<JournalErrorGroup> Groups,
    int TotalEntries,
    string? Cursor,
    int SkippedLines = 0,
    bool MoreAvailable = false,
    IReadOnlyList<JournalEvent>? Events = null,
    string? EventCursor = null);

/// <summary>The result of resolving one name or reaching one target.</summary>
public sealed record NetworkCheck(
    string Target,
    NetworkCheckOutcome Outcome,
    string? Detail);

public enum NetworkCheckOutcome
{
    Succeeded,
    Failed,

    /// <summary>The check could not run here (no permission, tool missing); says nothing about the network.</summary>
    NotPermitted,
}

/// <summary>Routing and name resolution.</summary>
/// <param name="InterfacesUp">Interfaces other than loopback whose link is up.</param>
/// <param name="DefaultRouteInterfaces">Interfaces that carry an IPv4 or IPv6 default route; null when the routing tables could not be read.</param>
public sealed record NetworkSection(
    bool HasDefaultRoute,
    IReadOnlyList<string> InterfacesUp,
    IReadOnlyList<NetworkCheck> DnsChecks,
    IReadOnlyList<NetworkCheck> ReachabilityChecks,
    IReadOnlyList<string>? DefaultRouteInterfaces = null);
