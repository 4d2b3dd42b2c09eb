using Macha.Core.Detection.Detectors;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Macha.Core.Detection;

public static class DetectionServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="DetectionOptions"/> from the <c>Macha:Detection</c> section and validates them
    /// when the host starts, then registers every detector and the detection engine.
    /// </summary>
    /// <param name="configuration">The root configuration, which contains the <c>Macha:Detection</c> section.</param>
    public static IServiceCollection AddMachaDetection(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<DetectionOptions>()
            .Bind(configuration.GetSection(DetectionOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DetectionOptions>, DetectionOptionsValidator>());

        // Detectors keep no state between cycles and read thresholds from IOptionsMonitor on every call,
        // so singletons pick up reloaded configuration.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDetector, FailedUnitDetector>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDetector, UnitActivatingDetector>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDetector, UnitFlappingDetector>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDetector, DiskDetector>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDetector, MemoryDetector>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDetector, LoadDetector>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDetector, JournalDetector>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDetector, JournalEventDetector>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDetector, NetworkDetector>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDetector, RebootDetector>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDetector, PressureDetector>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDetector, ProcessesDetector>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDetector, NetworkMountDetector>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDetector, CollectorDetector>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDetector, NixosDetector>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDetector, HostConnectionDetector>());
        services.TryAddSingleton<DetectionEngine>();

        return services;
    }
}
