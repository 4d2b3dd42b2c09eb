using Macha.Core.Analysis.MapReduce;
using Macha.Core.Analysis.ModelClient;
using Macha.Core.Analysis.Tools;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Macha.Core.Analysis;

public static class AnalysisServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="AnalysisOptions"/> from the <c>Macha:Analysis</c> section and validates them when
    /// the host starts, then registers the model-request queue.
    /// </summary>
    /// <param name="configuration">The root configuration, which contains the <c>Macha:Analysis</c> section.</param>
    public static IServiceCollection AddMachaAnalysis(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<AnalysisOptions>()
            .Bind(configuration.GetSection(AnalysisOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AnalysisOptions>, AnalysisOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        // One queue for the whole process, because it is what limits requests to the one GPU.
        services.TryAddSingleton<IModelRequestQueue, ModelRequestQueue>();
        services.AddMachaModelClient();
        services.AddMachaMapReduce(configuration);
        services.AddMachaAnalysisTools(configuration);

        return services;
    }
}
