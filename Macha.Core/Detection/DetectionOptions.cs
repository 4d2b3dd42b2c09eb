namespace Macha.Core.Detection;

/// <summary>Thresholds of the detectors, bound from the <c>Macha:Detection</c> configuration section.</summary>
/// <remarks>
/// A value at or above a threshold triggers it. Percentages are of the whole resource, from 0 to 100.
/// </remarks>
public sealed class DetectionOptions
{
    public const string SectionName = "Macha:Detection";

    /// <summary>Share of a filesystem's space in use, as df computes it, that raises a warning.</summary>
    public double DiskUsedWarningPercent { get; set; } = 85;

    public double DiskUsedCriticalPercent { get; set; } = 95;

    public double InodeUsedWarningPercent { get; set; } = 85;

    public double InodeUsedCriticalPercent { get; set; } = 95;

    /// <summary>Share of memory in use, counting MemAvailable as free, that raises a warning.</summary>
    public double MemoryUsedWarningPercent { get; set; } = 90;

    public double MemoryUsedCriticalPercent { get; set; } = 97;

    public double SwapUsedWarningPercent { get; set; } = 50;

    public double SwapUsedCriticalPercent { get; set; } = 90;

    /// <summary>Five-minute load average divided by the number of logical CPUs that raises a warning.</summary>
    public double LoadPerCoreWarning { get; set; } = 2.0;

    public double LoadPerCoreCritical { get; set; } = 4.0;

    /// <summary>Busy share of all CPUs since the previous cycle that raises a warning. There is no critical level.</summary>
    public double CpuUsedWarningPercent { get; set; } = 95;

    /// <summary>
    /// Share of the last minute in which at least one runnable task waited for a CPU (PSI cpu "some"
    /// avg60) that raises a warning. There is no critical level.
    /// </summary>
    public double CpuPressureSomeAvg60WarningPercent { get; set; } = 50;

    /// <summary>
    /// Share of the last minute in which all non-idle tasks were stalled on memory at once (PSI memory
    /// "full" avg60, time lost to reclaim and swap-in) that raises a warning.
    /// </summary>
    public double MemoryPressureFullAvg60WarningPercent { get; set; } = 10;

    public double MemoryPressureFullAvg60CriticalPercent { get; set; } = 30;

    /// <summary>
    /// Share of the last minute in which all non-idle tasks were stalled on I/O at once (PSI io "full"
    /// avg60) that raises a warning.
    /// </summary>
    public double IoPressureFullAvg60WarningPercent { get; set; } = 20;

    public double IoPressureFullAvg60CriticalPercent { get; set; } = 50;

    /// <summary>Processes in uninterruptible sleep (state D) at the moment of the check that raise a warning.</summary>
    public int UninterruptibleProcessWarningCount { get; set; } = 5;

    /// <summary>Journal errors from one unit, or one syslog identifier when there is no unit, in one cycle that make a burst.</summary>
    public int JournalErrorBurstCount { get; set; } = 20;

    /// <summary>Uptime below which the host counts as recently rebooted. Zero leaves only the boot id check.</summary>
    public TimeSpan RecentRebootWindow { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Mount points starting with one of these are never checked. The default skips per-login tmpfs.
    /// The configuration binder appends configured entries to the default instead of replacing it.
    /// </summary>
    public List<string> IgnoredMountPointPrefixes { get; set; } = ["/run/user/"];

    /// <summary>Full unit names, such as "foo.service", whose failure is never reported.</summary>
    public List<string> IgnoredUnits { get; set; } = [];

    /// <summary>Time a unit may stay activating or deactivating before it is reported as stuck.</summary>
    public TimeSpan UnitActivatingTooLong { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Automatic restarts of one service between two cycles of the same boot that make it flapping.</summary>
    public int UnitRestartBurstCount { get; set; } = 3;

    /// <summary>
    /// Time after boot within which a failed unit counts as failed during boot, and its FailedUnit
    /// finding reports that. Zero turns the label off.
    /// </summary>
    public TimeSpan UnitFailedDuringBootWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// NixOS system generations a host may keep; a count above it, not at it, raises a warning.
    /// </summary>
    public int NixosGenerationsWarningCount { get; set; } = 50;
}
