using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Macha.Core.Storage.Audit;

public static class AuditServiceCollectionExtensions
{
    /// <summary>
    /// Registers the audit log and the secret redactor as singletons: one writer per audit file in
    /// the process is what keeps each file's seq and hash chain consistent.
    /// </summary>
    public static IServiceCollection AddMachaAudit(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SecretRedactor>();
        services.TryAddSingleton<IAuditLog, AuditLog>();
        return services;
    }
}
