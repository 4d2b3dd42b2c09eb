using System.Diagnostics;
using System.Globalization;
using Macha.Core.Cycle;
using Macha.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Bench;

/// <summary>
/// Runs the real health cycle back to back on a fresh database and samples memory, to show whether
/// resident memory settles or keeps growing.
/// </summary>
/// <remarks>
/// Each sample reads VmRSS first and only then forces a full garbage collection to measure the live
/// managed heap, so the RSS figure is the process's own state and not one just after a forced
/// collection. Retention stays at its default age (7 days), so every snapshot of the run stays in
/// the database, as it would during the app's first week.
/// </remarks>
internal static class SoakMode
{
    private const double MegaByte = 1024 * 1024;

    // Growth thresholds of the verdict, as slopes over the second half of the run. RSS moves by a few
    // MB as the GC resizes its heaps, so only a steady rise above 1 MB per 100 cycles counts. The
    // live managed heap after a full collection is exact, so 1 KB per cycle kept on it counts as a leak.
    private const double MaxResidentSlopeMegabytesPer100Cycles = 1.0;
    private const double MaxLiveHeapSlopeKilobytesPerCycle = 1.0;

    public static async Task<int> RunAsync(int cycles, int sampleEvery, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        await using var graph = await BenchGraph.CreateAsync(initializeDatabase: true, cancellationToken);
        var healthCycle = graph.Provider.GetRequiredService<HealthCycle>();
        var databasePath = Path.Combine(graph.DataDirectory, "macha.db");

        Console.WriteLine($"Data directory: {graph.DataDirectory}");
        Console.WriteLine($"{"Cycle",6} {"Elapsed s",9} {"Mean cycle ms",13} {"RSS MB",7} {"RssAnon MB",10} {"RssFile MB",10} {"RssShmem MB",11} {"GC committed MB",15} {"GC heap MB",10} {"Live heap MB",12} {"Database MB",11}");

        var samples = new List<Sample> { TakeSample(0, total.Elapsed, 0, databasePath) };
        PrintSample(samples[0]);

        var notCompleted = 0;
        var sinceSample = Stopwatch.StartNew();
        CycleRunRecord? last = null;
        for (var cycle = 1; cycle <= cycles; cycle++)
        {
            last = await healthCycle.RunAsync(CycleTrigger.Manual, cancellationToken: cancellationToken);
            if (last.State != CycleState.Completed)
            {
                notCompleted++;
                Console.WriteLine($"Cycle {cycle} ended {last.State}: {last.Error}");
            }

            if (cycle % sampleEvery == 0 || cycle == cycles)
            {
                var cyclesInSample = cycle - samples[^1].Cycle;
                var sample = TakeSample(cycle, total.Elapsed, sinceSample.Elapsed.TotalMilliseconds / cyclesInSample, databasePath);
                samples.Add(sample);
                PrintSample(sample);
                sinceSample.Restart();
            }
        }

        total.Stop();
        Console.WriteLine();
        Console.WriteLine($"Collector statuses of the last cycle: {last?.CollectorStatusesJson}");
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{cycles} cycles in {total.Elapsed.TotalSeconds:0.0} s including setup; {notCompleted} did not complete."));
        return PrintVerdict(samples, cycles) && notCompleted == 0 ? 0 : 1;
    }

    private static Sample TakeSample(int cycle, TimeSpan elapsed, double meanCycleMs, string databasePath)
    {
        var resident = ProcessStats.ReadResidentMemory();
        var gcInfo = GC.GetGCMemoryInfo();
        var live = GC.GetTotalMemory(forceFullCollection: true);
        var database = FileSize(databasePath) + FileSize(databasePath + "-wal");
        return new Sample(cycle, elapsed, meanCycleMs, resident, gcInfo.TotalCommittedBytes, gcInfo.HeapSizeBytes, live, database);
    }

    private static long FileSize(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    private static void PrintSample(Sample sample) =>
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{sample.Cycle,6} {sample.Elapsed.TotalSeconds,9:0.0} {sample.MeanCycleMs,13:0.0} {sample.Resident.TotalBytes / MegaByte,7:0.0} {sample.Resident.AnonymousBytes / MegaByte,10:0.0} {sample.Resident.FileBackedBytes / MegaByte,10:0.0} {sample.Resident.SharedBytes / MegaByte,11:0.0} {sample.CommittedBytes / MegaByte,15:0.0} {sample.HeapSizeBytes / MegaByte,10:0.0} {sample.LiveHeapBytes / MegaByte,12:0.00} {sample.DatabaseBytes / MegaByte,11:0.0}"));

    /// <summary>Prints the growth slopes and whether memory grows; returns true when it does not.</summary>
    private static bool PrintVerdict(List<Sample> samples, int cycles)
    {
        // The first half is left out because RSS rises there while the JIT compiles, EF Core builds
        // its model, SQLite fills its page cache and the GC sizes its heaps. On a 2-CPU test machine
        // that took about 500 cycles, after which RSS stayed flat for 4000 cycles.
        var settled = samples.Where(sample => sample.Cycle >= cycles / 2).ToList();
        if (settled.Count < 3)
        {
            Console.WriteLine("Too few samples in the second half of the run to judge growth; lower --sample-every or raise --cycles.");
            return false;
        }

        var residentSlope = Slope(settled, sample => sample.Resident.TotalBytes / MegaByte) * 100;
        var liveSlope = Slope(settled, sample => sample.LiveHeapBytes / 1024.0);
        var grows = residentSlope > MaxResidentSlopeMegabytesPer100Cycles || liveSlope > MaxLiveHeapSlopeKilobytesPerCycle;

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"From cycle {settled[0].Cycle} to {settled[^1].Cycle}: RSS {settled[0].Resident.TotalBytes / MegaByte:0.0} -> {settled[^1].Resident.TotalBytes / MegaByte:0.0} MB (max {settled.Max(s => s.Resident.TotalBytes) / MegaByte:0.0}), slope {residentSlope:0.00} MB per 100 cycles (limit {MaxResidentSlopeMegabytesPer100Cycles}); live heap slope {liveSlope:0.00} KB per cycle (limit {MaxLiveHeapSlopeKilobytesPerCycle})."));
        Console.WriteLine(grows ? "Memory GROWS." : "Memory does not grow.");
        return !grows;
    }

    /// <summary>Least-squares slope of a value over the cycle number.</summary>
    private static double Slope(List<Sample> samples, Func<Sample, double> value)
    {
        var meanX = samples.Average(sample => (double)sample.Cycle);
        var meanY = samples.Average(value);
        var covariance = samples.Sum(sample => (sample.Cycle - meanX) * (value(sample) - meanY));
        var variance = samples.Sum(sample => (sample.Cycle - meanX) * (sample.Cycle - meanX));
        return covariance / variance;
    }

    private readonly record struct Sample(
        int Cycle,
        TimeSpan Elapsed,
        double MeanCycleMs,
        ResidentMemory Resident,
        long CommittedBytes,
        long HeapSizeBytes,
        long LiveHeapBytes,
        long DatabaseBytes);
}
