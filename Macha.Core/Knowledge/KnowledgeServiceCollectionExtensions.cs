using Macha.Core.Actions;
using Macha.Core.Analysis.Tools;
using Macha.Core.Configuration;
using Macha.Core.Dependencies;
using Macha.Core.Knowledge.Chroma;
using Macha.Core.Knowledge.ConfigRepository;
using Macha.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace Macha.Core.Knowledge;

public static class KnowledgeServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="KnowledgeOptions"/> from <c>Macha:Knowledge</c>, validated at start, and
    /// registers the ChromaDB client with its timeout and retry handler, the knowledge store, the
    /// knowledge_search tool, the learner that listens to action outcomes, and the background service
    /// that seeds notes and indexes the configuration repository. Needs the analysis services
    /// (the model-request queue) and <see cref="Configuration.MachaOptions"/>.
    /// </summary>
    public static IServiceCollection AddMachaKnowledge(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<KnowledgeOptions>()
            .Bind(configuration.GetSection(KnowledgeOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KnowledgeOptions>, KnowledgeOptionsValidator>());

        services.AddHttpClient(ChromaClientProvider.HttpClientName, (provider, http) =>
            {
                var options = provider.GetRequiredService<IOptions<KnowledgeOptions>>().Value;
                http.BaseAddress = options.ChromaUrl;

                // The resilience pipeline below enforces the limits; this only stops it never ending.
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .AddResilienceHandler("chroma", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<KnowledgeOptions>>().Value;
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = Math.Max(1, options.MaxRetries),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromMilliseconds(200),

                    // Connection failures, attempt timeouts and overload responses only: a 500 from Chroma
                    // is a bug or a wrong tenant or database, which a retry cannot fix.
                    ShouldHandle = arguments => ValueTask.FromResult(options.MaxRetries > 0 && arguments.Outcome switch
                    {
                        { Exception: HttpRequestException or Polly.Timeout.TimeoutRejectedException } => true,
                        { Result: { } response } => ChromaClient.IsTransient(response.StatusCode),
                        _ => false,
                    }),
                });
                pipeline.AddTimeout(options.RequestTimeout);
            });

        services.TryAddSingleton<ChromaClientProvider>();
        services.TryAddSingleton<KnowledgeEmbedder>();
        services.TryAddSingleton<KnowledgeCollections>();
        // These public types have internal constructors, which the container cannot call by itself.
        services.TryAddSingleton(provider => new KnowledgeStore(
            provider.GetRequiredService<ChromaClientProvider>(),
            provider.GetRequiredService<KnowledgeCollections>(),
            provider.GetRequiredService<KnowledgeEmbedder>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<KnowledgeStore>>()));
        services.TryAddSingleton(provider => new KnowledgeStatus(
            provider.GetRequiredService<ChromaClientProvider>(),
            provider.GetRequiredService<KnowledgeStore>(),
            provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(provider => new KnowledgeRetriever(
            provider.GetRequiredService<KnowledgeStore>(),
            provider.GetRequiredService<IOptionsMonitor<KnowledgeOptions>>()));
        services.TryAddSingleton(provider => new ConfigRepositoryIndexer(
            provider.GetRequiredService<KnowledgeStore>(),
            provider.GetRequiredService<IOptions<KnowledgeOptions>>(),
            provider.GetRequiredService<IOptions<MachaOptions>>(),
            provider.GetRequiredService<ILogger<ConfigRepositoryIndexer>>()));
        services.TryAddSingleton(provider => new KnowledgeLearner(
            provider.GetRequiredService<KnowledgeStore>(),
            provider.GetRequiredService<IDbContextFactory<MachaDbContext>>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<KnowledgeLearner>>()));
        services.TryAddSingleton<IKnowledgeBase, KnowledgeBase>();
        services.TryAddSingleton<KnowledgeStartup>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAnalysisTool, KnowledgeSearchTool>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDependencyStatusSource, ChromaStatusSource>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IActionOutcomeListener, KnowledgeLearner>(provider => provider.GetRequiredService<KnowledgeLearner>()));
        services.TryAddSingleton<ActionOutcomeListeners>();

        services.AddHostedService(provider => provider.GetRequiredService<KnowledgeStartup>());
        services.AddHostedService(provider => provider.GetRequiredService<KnowledgeLearner>());
        return services;
    }
}
