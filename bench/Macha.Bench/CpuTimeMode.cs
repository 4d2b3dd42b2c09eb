using System.Diagnostics;
using System.Globalization;

namespace Macha.Bench;

/// <summary>
/// Measures CPU time per local collection, which BenchmarkDotNet does not report: runs N
/// collections and divides the CPU time of this process and its child processes by N. Then does
/// the same for each collector alone, to show where the time goes.
/// </summary>
/// <remarks>
/// Allocations are left to the BenchmarkDotNet mode. Under server GC with DATAS, the default for
/// .NET 9 and later, GC.GetTotalAllocatedBytes can go backwards when the GC changes its heap count
/// (fixed in dotnet/runtime pull request 131069), and this process runs with server GC like the app.
/// </remarks>
internal static class CpuTimeMode
{
    public static async Task<int> RunAsync(int collections, int warmup, CancellationToken cancellationToken)
    {
        await using var graph = await BenchGraph.CreateAsync(initializeDatabase: false, cancellationToken);
        var shell = graph.LocalShell;
        var previous = await graph.SnapshotCollector.CollectAsync(shell, previous: null, cancellationToken: cancellationToken);
        Report.PrintCollectorStatuses(previous);

        Console.WriteLine($"{collections} measured operations per row, after {warmup} unmeasured ones.");
        Console.WriteLine("CPU ms: own = this process, children = commands it ran (cutime + cstime), per operation.");
        Console.WriteLine();
        Console.WriteLine($"{"Operation",-20} {"Wall mean ms",12} {"Wall max ms",11} {"CPU own ms",10} {"CPU children ms",15} {"CPU total ms",12}");

        var whole = await MeasureAsync(
            () => graph.SnapshotCollector.CollectAsync(shell, previous, cancellationToken: cancellationToken),
            collections,
            warmup);
        PrintRow("collection", whole);

        foreach (var collector in graph.Collectors)
        {
            var single = await MeasureAsync(
                () => collector.CollectAsync(graph.CreateContext(previous), cancellationToken),
                collections,
                warmup);
            PrintRow(collector.Name, single);
        }

        return 0;
    }

    private static async Task<Measurement> MeasureAsync<T>(Func<Task<T>> operation, int count, int warmup)
    {
        for (var i = 0; i < warmup; i++)
        {
            await operation();
        }

        // Start each row with an empty gen0, so one row's garbage is not collected on another's time.
        GC.Collect();
        GC.WaitForPendingFinalizers();

        var wallMax = TimeSpan.Zero;
        var cpuBefore = ProcessStats.ReadCpuTimes();
        var total = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await operation();
            var elapsed = Stopwatch.GetElapsedTime(started);
            wallMax = elapsed > wallMax ? elapsed : wallMax;
        }

        total.Stop();
        var cpu = ProcessStats.ReadCpuTimes() - cpuBefore;
        return new Measurement(count, total.Elapsed, wallMax, cpu);
    }

    private static void PrintRow(string name, Measurement measurement)
    {
        var count = measurement.Count;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{name,-20} {measurement.Wall.TotalMilliseconds / count,12:0.00} {measurement.WallMax.TotalMilliseconds,11:0.00} {measurement.Cpu.Own.TotalMilliseconds / count,10:0.00} {measurement.Cpu.Children.TotalMilliseconds / count,15:0.00} {measurement.Cpu.Total.TotalMilliseconds / count,12:0.00}"));
    }

    private readonly record struct Measurement(int Count, TimeSpan Wall, TimeSpan WallMax, CpuTimes Cpu);
}
