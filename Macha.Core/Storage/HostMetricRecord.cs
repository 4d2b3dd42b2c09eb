using Macha.Core.Monitoring;

namespace Macha.Core.Storage;

/// <summary>
/// The headline numbers of one snapshot, in a narrow row, so charts over days read a few columns
/// instead of deserializing every stored snapshot. A value is null when its collector gave none.
/// </summary>
public sealed class HostMetricRecord
{
    public long Id { get; set; }

    public required string HostName { get; set; }

    public DateTimeOffset TakenAt { get; set; }

    public double? CpuPercent { get; set; }

    public double? MemoryPercent { get; set; }

    public double? SwapPercent { get; set; }

    public double? Load1 { get; set; }

    public double? Load5 { get; set; }

    public double? Load15 { get; set; }

    /// <summary>Use of the fullest filesystem, in percent, as df computes it.</summary>
    public double? DiskMaxPercent { get; set; }

    /// <summary>Mount point of the fullest filesystem.</summary>
    public string? DiskMaxMountPoint { get; set; }

    public static HostMetricRecord From(HostSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);

        var fullest = snapshot.Filesystems?.MaxBy(f => f.UsedPercent);
        return new HostMetricRecord
        {
            HostName = snapshot.HostName,
            TakenAt = snapshot.TakenAt,
            CpuPercent = snapshot.Cpu?.UsagePercent,
            MemoryPercent = snapshot.Memory?.UsedPercent,
            SwapPercent = snapshot.Memory?.SwapUsedPercent,
            Load1 = snapshot.Load?.Load1,
            Load5 = snapshot.Load?.Load5,
            Load15 = snapshot.Load?.Load15,
            DiskMaxPercent = fullest?.UsedPercent,
            DiskMaxMountPoint = fullest?.MountPoint,
        };
    }
}
