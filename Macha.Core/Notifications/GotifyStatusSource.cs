using Macha.Core.Dependencies;

namespace Macha.Core.Notifications;

/// <summary>
/// Gotify's entry in <c>GET /api/dependencies</c>, from the notifier's own record of its sends: it
/// sends no probe, because a probe would need the token and tell no more than the last real send.
/// </summary>
internal sealed class GotifyStatusSource(INotificationStatusProvider notifier) : IDependencyStatusSource
{
    public string Name => DependencyNames.Gotify;

    public Task<DependencyStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(notifier.GetDependencyStatus());
}
