using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Macha.Bench;

/// <summary>Reads this process's CPU time and resident memory from the Linux /proc files.</summary>
internal static partial class ProcessStats
{
    // sysconf(3) name of the clock-tick rate that /proc/<pid>/stat times are counted in; 2 in glibc and musl.
    private const int ClockTicksName = 2;

    private static readonly long ClockTicksPerSecond = ReadClockTicksPerSecond();

    /// <summary>
    /// CPU time (user plus system) of this process and of its children that have exited and been
    /// waited for. LocalProcessShell waits for every command it starts, so df, systemctl, journalctl
    /// and ip are counted once they exit.
    /// </summary>
    public static CpuTimes ReadCpuTimes()
    {
        using var self = Process.GetCurrentProcess();
        return new CpuTimes(self.TotalProcessorTime, ReadChildrenCpuTime());
    }

    /// <summary>
    /// Resident memory from /proc/self/status, in bytes: the total (VmRSS) and its three parts.
    /// RssAnon contains the GC heap and native allocations such as SQLite's page cache, RssFile the
    /// mapped assemblies and native libraries, and RssShmem shared memory, which includes the
    /// runtime's double-mapped JIT code.
    /// </summary>
    public static ResidentMemory ReadResidentMemory()
    {
        long? total = null, anonymous = null, fileBacked = null, shared = null;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            total ??= ReadKilobytes(line, "VmRSS:");
            anonymous ??= ReadKilobytes(line, "RssAnon:");
            fileBacked ??= ReadKilobytes(line, "RssFile:");
            shared ??= ReadKilobytes(line, "RssShmem:");
        }

        if (total is null || anonymous is null || fileBacked is null || shared is null)
        {
            throw new InvalidOperationException("/proc/self/status lacks VmRSS, RssAnon, RssFile or RssShmem; the soak mode needs Linux 4.5 or later.");
        }

        return new ResidentMemory(total.Value * 1024, anonymous.Value * 1024, fileBacked.Value * 1024, shared.Value * 1024);
    }

    // Lines read "VmRSS:     123456 kB".
    private static long? ReadKilobytes(string line, string key) =>
        line.StartsWith(key, StringComparison.Ordinal)
            ? long.Parse(line[key.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture)
            : null;

    private static TimeSpan ReadChildrenCpuTime()
    {
        // proc(5): field 2 is the command name in parentheses and may itself contain spaces or ')',
        // so fields are counted from the last ')'. cutime and cstime are fields 16 and 17.
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        const int FirstFieldAfterName = 3;
        var childUserTicks = long.Parse(fields[16 - FirstFieldAfterName], CultureInfo.InvariantCulture);
        var childSystemTicks = long.Parse(fields[17 - FirstFieldAfterName], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds((childUserTicks + childSystemTicks) / (double)ClockTicksPerSecond);
    }

    private static long ReadClockTicksPerSecond()
    {
        var ticks = SystemConfiguration(ClockTicksName);
        if (ticks <= 0)
        {
            throw new InvalidOperationException($"sysconf(_SC_CLK_TCK) returned {ticks}; cannot convert /proc CPU times.");
        }

        return ticks;
    }

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial nint SystemConfiguration(int name);
}

/// <summary>CPU time used so far by this process and by its waited-for children.</summary>
internal readonly record struct CpuTimes(TimeSpan Own, TimeSpan Children)
{
    public TimeSpan Total => Own + Children;

    public static CpuTimes operator -(CpuTimes after, CpuTimes before) =>
        new(after.Own - before.Own, after.Children - before.Children);
}

/// <summary>Resident memory of this process, in bytes.</summary>
internal readonly record struct ResidentMemory(long TotalBytes, long AnonymousBytes, long FileBackedBytes, long SharedBytes);
