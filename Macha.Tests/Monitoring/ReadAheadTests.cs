using Macha.Core;
using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Tests.Fakes;
using Macha.Tests.Scenarios;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Monitoring;

/// <summary>The files every collector declares are read with one batch before the collectors run.</summary>
public sealed class ReadAheadTests
{
    [Fact]
    public async Task CollectAsync_DeclaredFiles_OneBatch()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMachaCore(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Macha:DataDirectory"] = Path.Combine(Path.GetTempPath(), "macha-read-ahead-unused"),
            ["Macha:Monitoring:CommandTimeout"] = "00:00:00.200",
        }).Build());
        await using var provider = services.BuildServiceProvider();
        var collector = provider.GetRequiredService<SnapshotCollector>();
        var declared = provider.GetServices<ICollector>().SelectMany(c => c.FilesRead).Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var shell = new CountingShell(new ScenarioShell(Scenario.Load(Scenario.BaseFileName), previousCycle: false));

        var snapshot = await collector.CollectAsync(shell, null);

        var firstBatch = shell.Batches[0];
        Assert.Equal(declared.Order(StringComparer.Ordinal), firstBatch.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(shell.SingleReads, declared.Contains);
        Assert.All(shell.BatchTimeouts, timeout => Assert.Equal(TimeSpan.FromMilliseconds(200), timeout));
        Assert.NotNull(snapshot.Memory);
        Assert.NotNull(snapshot.Load);
        Assert.NotNull(snapshot.Os);
    }

    [Fact]
    public async Task ReadFileAsync_AfterReadAhead_CapsOrFallsBack()
    {
        var inner = new ReplayShell().WithFile("/proc/loadavg", "0.10 0.20 0.30 1/100 42\n");
        var shell = new CountingShell(inner);
        var context = new CollectionContext
        {
            Shell = shell,
            Snapshot = new HostSnapshot { HostName = "test-host", TakenAt = DateTimeOffset.UnixEpoch },
            Options = new MonitoringOptions(),
        };

        await context.ReadAheadAsync([new("/proc/loadavg", 4096), new("/proc/loadavg", 64)], CancellationToken.None);
        var full = await context.ReadFileAsync("/proc/loadavg", 4096);
        var capped = await context.ReadFileAsync("/proc/loadavg", 4);
        var larger = await context.ReadFileAsync("/proc/loadavg", 8192);

        Assert.Equal(2, shell.Batches.Count);
        Assert.Equal(["/proc/loadavg"], shell.Batches[0]);
        Assert.Equal("0.10 0.20 0.30 1/100 42\n", full.Content);
        Assert.Equal("0.10", capped.Content);
        Assert.Equal("0.10 0.20 0.30 1/100 42\n", larger.Content);
        Assert.Equal(["/proc/loadavg"], shell.Batches[1]);
        Assert.Empty(shell.SingleReads);
    }

    [Fact]
    public async Task ReadFilesAsync_PartlyReadAhead_FetchesRest()
    {
        var inner = new ReplayShell().WithFile("/proc/uptime", "12.5 20.0\n").WithFile("/proc/1/stat", "1 (init) S");
        var shell = new CountingShell(inner);
        var context = new CollectionContext
        {
            Shell = shell,
            Snapshot = new HostSnapshot { HostName = "test-host", TakenAt = DateTimeOffset.UnixEpoch },
            Options = new MonitoringOptions(),
        };
        await context.ReadAheadAsync([new("/proc/uptime", 4096)], CancellationToken.None);

        var results = await context.ReadFilesAsync([new("/proc/1/stat", 4096), new("/proc/uptime", 4096), new("/proc/2/stat", 4096)]);

        Assert.Equal(["/proc/1/stat", "/proc/2/stat"], shell.Batches[1]);
        Assert.Equal("1 (init) S", results[0].Content);
        Assert.Equal("12.5 20.0\n", results[1].Content);
        Assert.False(results[2].Exists);
    }

    /// <summary>Records which files are read one by one and which in batches.</summary>
    private sealed class CountingShell(IHostShell inner) : IHostShell
    {
        public string HostName => inner.HostName;

        public List<string> SingleReads { get; } = [];

        public List<List<string>> Batches { get; } = [];

        public Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellationToken = default) =>
            inner.RunAsync(request, cancellationToken);

        public Task<FileReadResult> ReadFileAsync(string path, int maxBytes, CancellationToken cancellationToken = default)
        {
            SingleReads.Add(path);
            return inner.ReadFileAsync(path, maxBytes, cancellationToken);
        }

        public List<TimeSpan> BatchTimeouts { get; } = [];

        public Task<IReadOnlyList<FileReadResult>> ReadFilesAsync(IReadOnlyList<FileReadRequest> files, TimeSpan timeout, CancellationToken cancellationToken = default)
        {
            Batches.Add(files.Select(file => file.Path).ToList());
            BatchTimeouts.Add(timeout);
            return inner.ReadFilesAsync(files, timeout, cancellationToken);
        }
    }
}
