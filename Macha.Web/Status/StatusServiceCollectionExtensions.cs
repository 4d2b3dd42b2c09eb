using Macha.Core.Dependencies;

namespace Macha.Web.Status;

internal static class StatusServiceCollectionExtensions
{
    /// <summary>
    /// Registers the status sources this project owns. ChromaDB and Gotify register theirs with their
    /// clients; until they do, those names show as not configured.
    /// </summary>
    public static IServiceCollection AddMachaDependencyStatus(this IServiceCollection services)
    {
        services.AddHttpClient();
        services.AddSingleton<DependencyStatusService>();
        services.AddSingleton<IDependencyStatusSource, OllamaStatusSource>();
        services.AddSingleton<IDependencyStatusSource, HostsStatusSource>();
        return services;
    }
}
