using Macha.Core.Monitoring.Collectors;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Core.Monitoring;

public static class MonitoringServiceCollectionExtensions
{
    /// <summary>Registers every collector; the health cycle runs them in registration order.</summary>
    public static IServiceCollection AddMachaCollectors(this IServiceCollection services)
    {
        // First, so later collectors and the dashboard know the distribution.
        services.AddSingleton<ICollector, OsCollector>();
        services.AddSingleton<ICollector, CpuCollector>();
        services.AddSingleton<ICollector, LoadCollector>();
        services.AddSingleton<ICollector, MemoryCollector>();
        services.AddSingleton<ICollector, PressureCollector>();
        services.AddSingleton<ICollector, BootCollector>();
        services.AddSingleton<ICollector, DiskCollector>();
        services.AddSingleton<ICollector, SystemdCollector>();
        services.AddSingleton<ICollector, JournalCollector>();
        services.AddSingleton<ICollector, NetworkCollector>();
        services.AddSingleton<ICollector, ProcessesCollector>();
        services.AddSingleton<ICollector, NixosCollector>();
        return services;
    }
}
