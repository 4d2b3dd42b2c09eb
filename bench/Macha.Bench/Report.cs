using System.Globalization;
using System.Runtime.InteropServices;
using Macha.Core.Monitoring;

namespace Macha.Bench;

/// <summary>Console output shared by the modes.</summary>
internal static class Report
{
    public static void PrintMachine()
    {
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} logical CPUs, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, server GC: {System.Runtime.GCSettings.IsServerGC}"));

        // Other processes competing for the CPUs slow every figure down, so the load goes with them.
        Console.WriteLine($"Load average before the run (/proc/loadavg): {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    /// <summary>Prints how each collector ended, so the figures can be read against what really ran.</summary>
    public static void PrintCollectorStatuses(HostSnapshot snapshot)
    {
        Console.WriteLine($"Collectors on {snapshot.HostName}:");
        foreach (var status in snapshot.Collectors)
        {
            var detail = status.Detail is null ? string.Empty : " (" + status.Detail + ")";
            Console.WriteLine($"  {status.Name,-8} {status.State}{detail}");
        }

        Console.WriteLine();
    }
}
