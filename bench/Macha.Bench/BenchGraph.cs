using Macha.Core;
using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Bench;

/// <summary>
/// Macha's real service graph, as AddMachaCore builds it for the app, on a temporary data directory:
/// the real collectors, the local inventory and LocalProcessShell against this machine.
/// </summary>
/// <remarks>
/// Logging has no provider, so collector warnings are dropped. Each mode prints the collector
/// statuses of one collection instead, so a reader sees which collectors ran and which were
/// unavailable on the machine.
/// </remarks>
internal sealed class BenchGraph : IAsyncDisposable
{
    private BenchGraph(ServiceProvider provider, string dataDirectory)
    {
        Provider = provider;
        DataDirectory = dataDirectory;
    }

    public ServiceProvider Provider { get; }

    public string DataDirectory { get; }

    /// <summary>The shell of the only host in the local inventory: this machine.</summary>
    public IHostShell LocalShell => Provider.GetRequiredService<IHostInventory>().GetHosts().Single();

    public SnapshotCollector SnapshotCollector => Provider.GetRequiredService<SnapshotCollector>();

    public IReadOnlyList<ICollector> Collectors => Provider.GetServices<ICollector>().ToList();

    /// <summary>Builds the graph; with <paramref name="initializeDatabase"/>, also creates the SQLite database.</summary>
    public static async Task<BenchGraph> CreateAsync(bool initializeDatabase, CancellationToken cancellationToken = default) =>
        await CreateAsync(initializeDatabase, settings: null, cancellationToken);

    /// <summary>Builds the graph with <paramref name="settings"/> added to its configuration, such as remote hosts.</summary>
    public static async Task<BenchGraph> CreateAsync(bool initializeDatabase, IReadOnlyDictionary<string, string?>? settings, CancellationToken cancellationToken = default)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("macha-bench-").FullName;
        var values = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["Macha:DataDirectory"] = dataDirectory };
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(values)
            .Build();

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMachaCore(configuration);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });

        if (initializeDatabase)
        {
            await provider.GetRequiredService<DatabaseInitializer>().InitializeAsync(cancellationToken);
        }

        return new BenchGraph(provider, dataDirectory);
    }

    /// <summary>Builds a collection context for running one collector outside SnapshotCollector.</summary>
    public CollectionContext CreateContext(HostSnapshot? previous)
    {
        var shell = LocalShell;
        return new CollectionContext
        {
            Shell = shell,
            Snapshot = new HostSnapshot { HostName = shell.HostName, TakenAt = TimeProvider.System.GetUtcNow() },
            Previous = previous,
            Options = Provider.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<MonitoringOptions>>().CurrentValue,
        };
    }

    public async ValueTask DisposeAsync()
    {
        await Provider.DisposeAsync();

        // Pooled SQLite connections keep the database file open until the pool is cleared.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Leave it in the temp directory rather than fail a finished run.
        }
    }
}
