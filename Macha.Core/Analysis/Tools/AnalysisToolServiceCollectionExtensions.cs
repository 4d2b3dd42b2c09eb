using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Macha.Core.Analysis.Tools;

internal static class AnalysisToolServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="AnalysisToolOptions"/> from <c>Macha:Analysis:Tools</c>, validated at start,
    /// and registers every read-only tool as an <see cref="IAnalysisTool"/>. The tools that cut long
    /// outputs use the large-output cache that <c>AddMachaMapReduce</c> registers.
    /// </summary>
    /// <param name="configuration">The root configuration, which contains the <c>Macha:Analysis:Tools</c> section.</param>
    public static IServiceCollection AddMachaAnalysisTools(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<AnalysisToolOptions>()
            .Bind(configuration.GetSection(AnalysisToolOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AnalysisToolOptions>, AnalysisToolOptionsValidator>());

        // TryAddEnumerable keeps a second call from declaring a tool twice to the model.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAnalysisTool, UnitStatusTool>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAnalysisTool, UnitLogsTool>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAnalysisTool, JournalSearchTool>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAnalysisTool, DiskUsageTool>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAnalysisTool, TopProcessesTool>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAnalysisTool, ConnectivityCheckTool>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAnalysisTool, NixosGenerationsTool>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAnalysisTool, ReadFileTool>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAnalysisTool, FetchOutputTool>());
        return services;
    }
}
