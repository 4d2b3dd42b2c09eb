using Macha.Core.Configuration;
using Macha.Core.Dependencies;
using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Storage;
using Microsoft.Extensions.Options;

namespace Macha.Web.Status;

/// <summary>
/// The hosts in the inventory, judged by their newest snapshots: down when none has a recent one,
/// degraded when one is missing, stale or has failed or timed-out collectors.
/// </summary>
/// <remarks>
/// A snapshot is stale when it is older than three check intervals, the same limit the health
/// endpoint uses for the last cycle.
/// </remarks>
internal sealed class HostsStatusSource(
    IHostInventory inventory,
    HealthQueries queries,
    IOptionsMonitor<MachaOptions> options,
    TimeProvider timeProvider) : IDependencyStatusSource
{
    public string Name => DependencyNames.Hosts;

    public async Task<DependencyStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        var hostNames = inventory.GetHosts().Select(h => h.HostName).ToList();
        if (hostNames.Count == 0)
        {
            return new DependencyStatus(Name, DependencyState.NotConfigured, "The inventory has no hosts.", now);
        }

        var latest = (await queries.GetLatestSnapshotsAsync(cancellationToken)).ToDictionary(s => s.HostName);
        var staleAfter = 3 * options.CurrentValue.CheckInterval;
        var problems = new List<string>();
        var current = 0;
        foreach (var hostName in hostNames)
        {
            if (!latest.TryGetValue(hostName, out var snapshot))
            {
                problems.Add($"{hostName}: no snapshot yet");
                continue;
            }

            if (now - snapshot.TakenAt > staleAfter)
            {
                problems.Add($"{hostName}: last snapshot {Math.Round((now - snapshot.TakenAt).TotalMinutes)} minutes old");
                continue;
            }

            current++;
            var failed = snapshot.Collectors.Where(c => c.State is CollectorState.Failed or CollectorState.TimedOut).Select(c => c.Name).ToList();
            if (failed.Count > 0)
            {
                problems.Add($"{hostName}: {string.Join(", ", failed)} failed");
            }
        }

        if (problems.Count == 0)
        {
            return new DependencyStatus(Name, DependencyState.Ok, $"{hostNames.Count} of {hostNames.Count} hosts checked recently.", now);
        }

        var state = current == 0 ? DependencyState.Down : DependencyState.Degraded;
        return new DependencyStatus(Name, state, string.Join("; ", problems) + ".", now);
    }
}
