using Macha.Core;
using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Storage;
using Macha.Tests.Fakes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Macha.Tests.Cycle;

/// <summary>
/// Macha's real service graph on a temporary data directory and SQLite database, with the host
/// inventory and collectors replaced by the ones a test supplies.
/// </summary>
internal sealed class CycleHarness : IAsyncDisposable
{
    private readonly TestDataDirectory _data;

    private CycleHarness(ServiceProvider provider, TestDataDirectory data)
    {
        Provider = provider;
        _data = data;
    }

    public ServiceProvider Provider { get; }

    public string DataDirectory => _data.Path;

    /// <param name="collectors">Collectors that replace the real ones; null keeps Macha's real collectors.</param>
    /// <param name="useConfiguredInventory">Keeps Macha's own inventory (the local host and Macha:Hosts) instead of <paramref name="hosts"/>.</param>
    public static async Task<CycleHarness> StartAsync(
        IReadOnlyList<ICollector>? collectors,
        IReadOnlyList<IHostShell>? hosts = null,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configureServices = null,
        bool useConfiguredInventory = false)
    {
        var data = new TestDataDirectory();
        var configuration = new Dictionary<string, string?>
        {
            ["Macha:DataDirectory"] = data.Path,
            ["Macha:Monitoring:CommandTimeout"] = "00:00:01",
            ["Macha:Monitoring:CollectorTimeout"] = "00:00:01",
            ["Macha:Monitoring:NetworkMountTimeout"] = "00:00:00.500",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMachaCore(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build());
        if (collectors is not null)
        {
            services.RemoveAll<ICollector>();
            foreach (var collector in collectors)
            {
                services.AddSingleton(collector);
            }
        }

        if (!useConfiguredInventory)
        {
            services.RemoveAll<IHostInventory>();
            services.AddSingleton<IHostInventory>(new FixedInventory(hosts ?? [new ReplayShell("test-host")]));
        }

        configureServices?.Invoke(services);

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        await provider.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        return new CycleHarness(provider, data);
    }

    public T Get<T>()
        where T : notnull => Provider.GetRequiredService<T>();

    public MachaDbContext OpenDatabase() =>
        Provider.GetRequiredService<IDbContextFactory<MachaDbContext>>().CreateDbContext();

    public async ValueTask DisposeAsync()
    {
        await Provider.DisposeAsync();
        _data.Dispose();
    }

    private sealed class FixedInventory(IReadOnlyList<IHostShell> hosts) : IHostInventory
    {
        public IReadOnlyList<IHostShell> GetHosts() => hosts;
    }
}
