using Microsoft.Extensions.DependencyInjection;

namespace Macha.Core.Monitoring;

public static class MonitoringServiceCollectionExtensions
{
    /// <summary>Registers every collector; the health cycle runs them in registration order.</summary>
    public static IServiceCollection AddMachaCollectors(this IServiceCollection services)
    {
        return services;
    }
}
