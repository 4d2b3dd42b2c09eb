using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Bench;

/// <summary>
/// Fewer iterations than BenchmarkDotNet's default: each operation starts child processes and takes
/// milliseconds, so 20 measured iterations of about a second each already give a narrow error interval.
/// </summary>
/// <remarks>
/// Workstation GC, unlike the app: under server GC with DATAS (the default since .NET 9),
/// GC.GetTotalAllocatedBytes, which the memory diagnoser reads, is not monotonic while the GC
/// changes its heap count (fixed in dotnet/runtime pull request 131069). Under server GC a whole
/// collection showed 51.7 MB allocated while its collectors together allocated about 3 MB.
/// </remarks>
internal sealed class CollectionBenchmarkConfig : ManualConfig
{
    public CollectionBenchmarkConfig()
    {
        AddJob(Job.Default.WithWarmupCount(5).WithIterationCount(20).WithGcServer(false));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.P95);
    }
}

/// <summary>One whole local collection: every enabled collector, in order, through SnapshotCollector.</summary>
[Config(typeof(CollectionBenchmarkConfig))]
public class LocalCollectionBenchmarks
{
    private BenchGraph? _graph;
    private IHostShell? _shell;
    private HostSnapshot? _previous;

    [GlobalSetup]
    public void Setup()
    {
        _graph = BenchGraph.CreateAsync(initializeDatabase: false).GetAwaiter().GetResult();
        _shell = _graph.LocalShell;

        // A steady-state cycle has a previous snapshot, so the CPU collector computes a delta.
        _previous = _graph.SnapshotCollector.CollectAsync(_shell, previous: null).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _graph?.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark]
    public Task<HostSnapshot> Collection() => _graph!.SnapshotCollector.CollectAsync(_shell!, _previous);
}

/// <summary>Each collector on its own, called directly without SnapshotCollector's timeout wrapper.</summary>
[Config(typeof(CollectionBenchmarkConfig))]
public class CollectorBenchmarks
{
    private BenchGraph? _graph;
    private ICollector? _selected;
    private HostSnapshot? _previous;

    /// <summary>Names of the collectors AddMachaCore registers, in the order a cycle runs them.</summary>
    public static IEnumerable<string> CollectorNames
    {
        get
        {
            using var provider = new ServiceCollection().AddMachaCollectors().BuildServiceProvider();
            return provider.GetServices<ICollector>().Select(collector => collector.Name).ToList();
        }
    }

    [ParamsSource(nameof(CollectorNames))]
    public string Collector { get; set; } = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _graph = BenchGraph.CreateAsync(initializeDatabase: false).GetAwaiter().GetResult();
        _selected = _graph.Collectors.SingleOrDefault(collector => collector.Name == Collector)
            ?? throw new InvalidOperationException($"No collector named '{Collector}' is registered.");
        _previous = _graph.SnapshotCollector.CollectAsync(_graph.LocalShell, previous: null).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _graph?.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark]
    public Task<CollectorOutcome> Collect() => _selected!.CollectAsync(_graph!.CreateContext(_previous));
}
