using Macha.Core.Dependencies;
using Macha.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace Macha.Core.Notifications;

public static class NotificationServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="NotificationOptions"/> from the <c>Macha:Notifications</c> section, validates them
    /// when the host starts, and registers the Gotify client with its retry pipeline, the notification
    /// policy and the background sender. Also registers <see cref="INotificationSink"/> for event sources
    /// and <see cref="INotificationStatusProvider"/> for the dashboard and the API.
    /// </summary>
    public static IServiceCollection AddMachaNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<NotificationOptions>()
            .Bind(configuration.GetSection(NotificationOptions.SectionName))
            .Configure(options => options.PublicUrl = configuration.GetValue<Uri?>(NotificationOptions.PublicUrlKey))
            .ValidateOnStart();

        // PublicUrl lives outside the bound section, so its changes need their own reload signal.
        services.AddSingleton<IOptionsChangeTokenSource<NotificationOptions>>(
            new ConfigurationChangeTokenSource<NotificationOptions>(configuration.GetSection(NotificationOptions.PublicUrlKey)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        // HttpClientFactory's request logging is removed for this client: its trace lines redact
        // header values in the message text, but their structured properties still carry the raw
        // X-Gotify-Key header, which a structured log sink would write out. GotifyClient and the
        // resilience handler log each attempt's outcome instead.
        services.AddHttpClient(GotifyClient.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers()
            .AddResilienceHandler("gotify", ConfigureResilience);

        services.TryAddSingleton<GotifyTokenSource>();
        services.TryAddSingleton<GotifyClient>();
        services.TryAddSingleton<NotificationFormatter>();
        services.TryAddSingleton<NotificationPolicy>();
        services.TryAddSingleton(provider => new NotificationStateStore(
            provider.GetService<IDbContextFactory<MachaDbContext>>(),
            provider.GetRequiredService<ILogger<NotificationStateStore>>()));
        services.TryAddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptionsMonitor<NotificationOptions>>();
            return new NotificationQueue(() => options.CurrentValue.QueueCapacity);
        });
        services.TryAddSingleton<NotificationService>();
        services.TryAddSingleton<INotificationSink>(provider => provider.GetRequiredService<NotificationService>());
        services.TryAddSingleton<INotificationStatusProvider>(provider => provider.GetRequiredService<NotificationService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDependencyStatusSource, GotifyStatusSource>());
        services.AddHostedService(provider => provider.GetRequiredService<NotificationService>());
        return services;
    }

    // Each attempt has its own timeout inside the retry, so a hanging Gotify costs RequestTimeout per
    // attempt. The default retry predicate handles 5xx, 408, 429, failed connections and attempt
    // timeouts. It does not handle 401 and 403, so those return at once.
    private static void ConfigureResilience(ResiliencePipelineBuilder<HttpResponseMessage> builder, ResilienceHandlerContext context)
    {
        context.EnableReloads<NotificationOptions>();
        var options = context.ServiceProvider.GetRequiredService<IOptionsMonitor<NotificationOptions>>().CurrentValue;
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        }

        builder.AddTimeout(options.RequestTimeout);
    }
}
