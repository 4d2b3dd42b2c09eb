using Macha.Core.Actions;

namespace Macha.Core.Hosts;

/// <summary>The hosts a health cycle visits, each with the shell that reaches it.</summary>
public interface IHostInventory
{
    IReadOnlyList<IHostShell> GetHosts();

    /// <summary>The host's own autonomy level, or null when it follows <c>Macha:Actions:AutonomyLevel</c>.</summary>
    AutonomyLevel? GetAutonomyLevel(string hostName) => null;
}
