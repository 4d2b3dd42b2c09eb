using Microsoft.Extensions.Hosting;

namespace Macha.Core.Storage;

/// <summary>
/// Prepares the database before anything else starts. Registered first, and hosted services start
/// in registration order, so no cycle or analysis runs against an old schema.
/// </summary>
internal sealed class DatabaseStartup(DatabaseInitializer initializer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => initializer.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
