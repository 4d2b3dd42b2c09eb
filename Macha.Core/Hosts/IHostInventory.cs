using Macha.Core.Actions;

namespace Macha.Core.Hosts;

/// <summary>The hosts a health cycle visits, each with the shell that reaches it.</summary>
public interface IHostInventory
{
    IReadOnlyList<IHostShell> GetHosts();

    /// <summary>
    /// Returns the shell that reaches <paramref name="hostName"/> now, or null for an unknown host. A
    /// confirmation that corrects a host's address, port, user or key file replaces its shell, so a
    /// shell taken from <see cref="GetHosts"/> earlier can be out of date.
    /// </summary>
    IHostShell? FindHost(string hostName) =>
        GetHosts().FirstOrDefault(host => string.Equals(host.HostName, hostName, StringComparison.OrdinalIgnoreCase));

    /// <summary>The host's own autonomy level, or null when it follows <c>Macha:Actions:AutonomyLevel</c>.</summary>
    AutonomyLevel? GetAutonomyLevel(string hostName) => null;
}
