using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Macha.Core.Actions;

public static class ActionServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="ActionOptions"/> from the <c>Macha:Actions</c> section and validates them when the
    /// host starts, then registers the risk, protection, autonomy and rate-limit policies.
    /// </summary>
    /// <param name="configuration">The root configuration, which contains the <c>Macha:Actions</c> section.</param>
    public static IServiceCollection AddMachaActions(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<ActionOptions>()
            .Bind(configuration.GetSection(ActionOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ActionOptions>, ActionOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.TryAddSingleton<ActionRiskPolicy>();
        services.TryAddSingleton<ProtectedTargets>();
        services.TryAddSingleton<AutonomyPolicy>();

        // One limiter for the process, because its counts are what cap automatic actions across hosts.
        services.TryAddSingleton<ActionRateLimiter>();
        services.TryAddSingleton<Execution.ActionExecutor>();
        services.TryAddSingleton<Execution.ActionDryRun>();
        services.TryAddSingleton<ActionPlanner>();

        // The switch reads the database and writes the audit log that AddMachaCore registers.
        services.TryAddSingleton<Autonomy.AutonomyEvents>();
        services.TryAddSingleton<Autonomy.AutonomySwitch>();
        return services;
    }
}
