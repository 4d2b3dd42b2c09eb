using Macha.Core.Storage;

namespace Macha.Web.Hosting;

/// <summary>
/// Prepares the database before anything else starts. Registered ahead of the scheduler, and hosted
/// services start in registration order, so no cycle runs against an old schema.
/// </summary>
internal sealed class DatabaseStartup(DatabaseInitializer initializer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => initializer.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
