using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Macha.Core.Approvals;

public static class ApprovalServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="ApprovalOptions"/> from the <c>Macha:Approvals</c> section, validates them when
    /// the host starts, and registers the approval queue and the runner that executes approved actions.
    /// The queue needs the SQLite context factory that AddMachaCore registers, and the runner needs the
    /// action services of AddMachaActions and an <see cref="Hosts.IHostInventory"/>.
    /// </summary>
    /// <param name="configuration">The root configuration, which contains the <c>Macha:Approvals</c> section.</param>
    public static IServiceCollection AddMachaApprovals(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<ApprovalOptions>()
            .Bind(configuration.GetSection(ApprovalOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApprovalOptions>, ApprovalOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ApprovalQueue>();
        services.TryAddSingleton<ApprovalRunner>();
        services.TryAddSingleton<ApprovalWithdrawal>();

        return services;
    }
}
