using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Macha.Core.Analysis.MapReduce;

public static class MapReduceServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="MapReduceOptions"/> from <c>Macha:Analysis:MapReduce</c>, validated at start,
    /// and registers the large-output cache and the output reducer. The reducer also needs
    /// <see cref="AnalysisOptions"/>, an <see cref="Microsoft.Extensions.AI.IChatClient"/> and an
    /// <see cref="IModelRequestQueue"/>, which <c>AddMachaAnalysis</c> registers before it calls this.
    /// </summary>
    /// <param name="configuration">The root configuration, which contains the <c>Macha:Analysis:MapReduce</c> section.</param>
    public static IServiceCollection AddMachaMapReduce(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<MapReduceOptions>()
            .Bind(configuration.GetSection(MapReduceOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MapReduceOptions>, MapReduceOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LargeOutputCache>();
        services.TryAddSingleton<OutputReducer>();
        return services;
    }
}
