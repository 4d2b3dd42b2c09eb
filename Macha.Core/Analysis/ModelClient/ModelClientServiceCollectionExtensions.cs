using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Analysis.ModelClient;

internal static class ModelClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Ollama-backed <see cref="IChatClient"/> as a singleton built from
    /// <see cref="AnalysisOptions"/>; the options must be bound by the caller. Changes to the options
    /// take effect after a restart, because the HttpClient and its timeout are fixed at construction.
    /// </summary>
    public static IServiceCollection AddMachaModelClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IChatClient>(provider => OllamaChatClientFactory.Create(
            provider.GetRequiredService<IOptions<AnalysisOptions>>().Value,
            provider.GetRequiredService<ILoggerFactory>(),
            provider.GetRequiredService<TimeProvider>()));

        return services;
    }
}
