using System.Security.Cryptography;
using System.Text;

namespace Macha.Core.Detection;

public enum Severity
{
    Info,
    Warning,
    Critical,
}

/// <summary>What a finding is about; part of its fingerprint, so names are stable once shipped.</summary>
public enum FindingKind
{
    FailedUnit,
    DiskSpace,
    InodeUsage,
    FilesystemUnresponsive,
    MemoryPressure,
    SwapUsage,
    HighLoad,
    HighCpu,
    JournalErrorBurst,
    NetworkUnreachable,
    DnsFailure,
    NoDefaultRoute,
    RecentReboot,
    CollectorFailed,
    UnitActivatingTooLong,
    UnitFlapping,
    OomKill,
    CoreDump,
    MountFailed,
    DiskFullError,
    Segfault,
    NixosRebootPending,
    NixosStoreSpaceLow,
    NixosManyGenerations,
    PressureStall,
    ProcessesStuck,
    HostUnreachable,
    HostKeyChanged,
    HostAccessDenied,
}

/// <summary>One problem a detector found on one host in one cycle.</summary>
/// <param name="Subject">What the finding is about on that host: a unit name, a mount point, "memory".</param>
/// <param name="Evidence">Values that triggered it, for a person and later the model; never contains secrets.</param>
public sealed record Finding(
    string HostName,
    FindingKind Kind,
    string Subject,
    Severity Severity,
    string Summary,
    string Evidence)
{
    /// <summary>
    /// Stable identity of the problem across cycles, from host, kind and subject only. Severity,
    /// wording and model output never change it, so incidents and notifications can deduplicate on it.
    /// </summary>
    public string Fingerprint { get; } = ComputeFingerprint(HostName, Kind, Subject);

    public static string ComputeFingerprint(string hostName, FindingKind kind, string subject)
    {
        // The unit separator cannot occur in host names, enum names or unit names, so fields never run together.
        var key = string.Join('\u001f', hostName, kind.ToString(), subject);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}
