using Macha.Core.Detection;

namespace Macha.Core.Incidents;

/// <summary>
/// Which collector's data each kind of finding comes from. A cycle counts as clean for an incident
/// only when that collector actually ran, so a failed or unavailable check never resolves one.
/// </summary>
internal static class FindingSources
{
    /// <summary>Collector states whose data is trustworthy enough to say a problem is gone.</summary>
    public static bool RanWell(Monitoring.CollectorStatus? status) =>
        status?.State is Monitoring.CollectorState.Ok or Monitoring.CollectorState.Partial;

    /// <summary>
    /// Returns the collector whose section the detector reads, or null for kinds derived from the
    /// collectors' statuses themselves, which every cycle can judge.
    /// </summary>
    public static string? CollectorFor(string kind) => Enum.TryParse<FindingKind>(kind, out var parsed) ? CollectorFor(parsed) : "unknown";

    private static string? CollectorFor(FindingKind kind) => kind switch
    {
        FindingKind.CollectorFailed or FindingKind.HostUnreachable or FindingKind.HostKeyChanged or FindingKind.HostAccessDenied => null,
        FindingKind.FilesystemUnresponsive or FindingKind.DiskSpace or FindingKind.InodeUsage => "disks",
        FindingKind.FailedUnit or FindingKind.UnitActivatingTooLong or FindingKind.UnitFlapping => "systemd",
        FindingKind.MemoryPressure or FindingKind.SwapUsage => "memory",
        FindingKind.HighLoad => "load",
        FindingKind.HighCpu => "cpu",
        FindingKind.PressureStall => "pressure",
        FindingKind.ProcessesStuck => "processes",
        FindingKind.RecentReboot => "boot",
        FindingKind.NoDefaultRoute or FindingKind.DnsFailure or FindingKind.NetworkUnreachable => "network",
        FindingKind.NixosRebootPending or FindingKind.NixosStoreSpaceLow or FindingKind.NixosManyGenerations => "nixos",
        FindingKind.JournalErrorBurst or FindingKind.OomKill or FindingKind.CoreDump or FindingKind.MountFailed
            or FindingKind.DiskFullError or FindingKind.Segfault => "journal",

        // A kind added without a source here resolves only when the "unknown" collector ran, which
        // never happens: such incidents stay open rather than closing on missing data.
        _ => "unknown",
    };
}
