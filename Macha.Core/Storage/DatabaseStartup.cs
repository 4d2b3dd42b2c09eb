using Macha.Core.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Macha.Core.Storage;

/// <summary>
/// Locks the data directory and prepares the database before anything else starts. Registered
/// first, and hosted services start in registration order, so no cycle or analysis runs against an
/// old schema, and a second Macha on the same directory stops before it marks the first one's runs
/// interrupted.
/// </summary>
internal sealed class DatabaseStartup(DatabaseInitializer initializer, DataDirectoryLock dataLock, IOptions<MachaOptions> options)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        dataLock.Acquire(options.Value.ResolveDataDirectory());
        return initializer.InitializeAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
