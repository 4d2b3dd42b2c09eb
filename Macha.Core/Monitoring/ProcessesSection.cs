namespace Macha.Core.Monitoring;

/// <summary>One process as ps listed it, with its name and user cleaned for display.</summary>
/// <param name="State">ps's STAT code, such as "Ssl" or "D"; the first letter is the scheduler state.</param>
/// <param name="LifetimeCpuPercent">
/// ps's %CPU: CPU time used divided by the time since the process started, in percent of one CPU.
/// A daemon that idled for days and just turned busy still shows a low value.
/// </param>
/// <param name="ResidentBytes">Resident set size.</param>
/// <param name="RecentCpuPercent">
/// CPU time used since the previous cycle, in percent of one CPU; null when the previous cycle did
/// not sample this process.
/// </param>
/// <param name="CpuTimeTicks">utime plus stime from <c>/proc/PID/stat</c>, in clock ticks; null when not read.</param>
/// <param name="StartTimeTicks">
/// Start time from <c>/proc/PID/stat</c>, in clock ticks after boot, which distinguishes a reused PID;
/// null when not read.
/// </param>
public sealed record ProcessInfo(
    int ProcessId,
    string User,
    string Name,
    string State,
    double LifetimeCpuPercent,
    long ResidentBytes,
    double? RecentCpuPercent = null,
    long? CpuTimeTicks = null,
    long? StartTimeTicks = null);

/// <summary>The busiest and largest processes, and counts of processes in states that signal trouble.</summary>
/// <param name="TopByCpu">The processes with the highest lifetime %CPU, highest first.</param>
/// <param name="TopByMemory">The processes with the largest resident set, largest first.</param>
/// <param name="Uninterruptible">Some of the processes in state D, for evidence.</param>
/// <param name="UninterruptibleCount">
/// Processes in state D (uninterruptible sleep), waiting for I/O that cannot be interrupted. Many of
/// them at once usually mean stuck storage or a dead network filesystem.
/// </param>
/// <param name="ZombieCount">Processes in state Z: exited, but not yet reaped by their parent.</param>
/// <param name="SystemCpuTicks">
/// Sum of the <c>/proc/stat</c> cpu counters when the processes were sampled, so the next cycle can
/// turn tick deltas into percentages; null when it could not be read.
/// </param>
/// <param name="LogicalCpuCount">CPUs counted in <c>/proc/stat</c> at the same time; 0 when unknown.</param>
public sealed record ProcessesSection(
    IReadOnlyList<ProcessInfo> TopByCpu,
    IReadOnlyList<ProcessInfo> TopByMemory,
    IReadOnlyList<ProcessInfo> Uninterruptible,
    int ProcessCount,
    int UninterruptibleCount,
    int ZombieCount,
    ulong? SystemCpuTicks = null,
    int LogicalCpuCount = 0);
