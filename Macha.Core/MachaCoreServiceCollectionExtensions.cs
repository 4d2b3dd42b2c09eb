using Macha.Core.Actions;
using Macha.Core.Analysis;
using Macha.Core.Approvals;
using Macha.Core.Configuration;
using Macha.Core.Cycle;
using Macha.Core.Detection;
using Macha.Core.Discussions;
using Macha.Core.Events;
using Macha.Core.Hosts;
using Macha.Core.Incidents;
using Macha.Core.Knowledge;
using Macha.Core.Monitoring;
using Macha.Core.Notifications;
using Macha.Core.Storage;
using Macha.Core.Storage.Audit;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core;

public static class MachaCoreServiceCollectionExtensions
{
    /// <summary>Registers the health cycle and everything it needs, with options validated at start.</summary>
    public static IServiceCollection AddMachaCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        // First, so the database is migrated before any other hosted service starts.
        services.AddHostedService<DatabaseStartup>();
        services.TryAddSingletonTimeProvider();
        services.AddValidatedOptions<MachaOptions, MachaOptionsValidator>(configuration, MachaOptions.SectionName);
        services.AddValidatedOptions<MonitoringOptions, MonitoringOptionsValidator>(configuration, MonitoringOptions.SectionName);
        services.AddValidatedOptions<CycleOptions, CycleOptionsValidator>(configuration, CycleOptions.SectionName);
        services.AddValidatedOptions<IncidentOptions, IncidentOptionsValidator>(configuration, IncidentOptions.SectionName);

        services.AddSingleton(provider => new LocalProcessShell(
            provider.GetRequiredService<IOptions<MachaOptions>>().Value.ResolveLocalHostName(),
            provider.GetRequiredService<ILogger<LocalProcessShell>>(),
            provider.GetRequiredService<TimeProvider>()));
        services.AddValidatedOptions<HostsOptions, HostsOptionsValidator>(configuration, HostsOptions.SectionName);
        services.AddSingleton<HostRegistry>();
        services.AddSingleton<IHostInventory>(provider => provider.GetRequiredService<HostRegistry>());
        services.AddSingleton<HostDiscovery>();

        services.AddMachaCollectors();
        services.AddMachaDetection(configuration);
        services.AddMachaAnalysis(configuration);
        services.AddMachaKnowledge(configuration);
        services.AddMachaApprovals(configuration);
        services.AddMachaActions(configuration);
        services.AddMachaNotifications(configuration);
        services.AddMachaStorage();

        services.AddSingleton<SnapshotCollector>();

        // The NixOS pipeline's checks run the same collectors and detectors before and after activation.
        services.AddSingleton(provider => new Actions.Execution.HostFindingsProbe(
            provider.GetRequiredService<SnapshotCollector>(), provider.GetRequiredService<DetectionEngine>()));
        services.AddSingleton<IncidentTracker>();
        services.AddSingleton<CycleEvents>();
        services.AddSingleton<MachaEvents>();
        services.AddSingleton<HealthCycle>();

        // The worker runs analyses outside the cycle; with analysis disabled it only marks requests skipped.
        services.AddSingleton<AnalysisSignal>();
        services.AddSingleton<IncidentAnalyst>();
        services.AddSingleton<DiscussionService>();
        services.AddHostedService<AnalysisWorker>();
        return services;
    }

    private static IServiceCollection AddMachaStorage(this IServiceCollection services)
    {
        services.AddDbContextFactory<MachaDbContext>((provider, builder) =>
        {
            var dataDirectory = provider.GetRequiredService<IOptions<MachaOptions>>().Value.ResolveDataDirectory();
            var connection = new SqliteConnectionStringBuilder
            {
                DataSource = Path.Combine(dataDirectory, "macha.db"),
                DefaultTimeout = 30,
            };
            builder.UseSqlite(connection.ToString());
        });
        services.AddSingleton<DataDirectoryLock>();
        services.AddSingleton<DatabaseInitializer>();
        services.AddSingleton<SnapshotFileStore>();
        services.AddSingleton<RetentionService>();
        services.AddSingleton<HealthQueries>();
        services.AddSingleton<DashboardQueries>();
        services.AddMachaAudit();
        return services;
    }

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(descriptor => descriptor.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }

    private static void AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, IConfiguration configuration, string sectionName)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().Bind(configuration.GetSection(sectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
    }
}
