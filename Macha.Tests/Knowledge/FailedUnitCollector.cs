using Macha.Core.Monitoring;

namespace Macha.Tests.Knowledge;

/// <summary>Reports one failed unit, as the systemd collector would.</summary>
internal sealed class FailedUnitCollector(string unit) : ICollector
{
    public string Name => "systemd";

    public Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
    {
        context.Snapshot.Systemd = new SystemdSection([new UnitState(unit, "loaded", "failed", "failed", null)], "degraded");
        return Task.FromResult(CollectorOutcome.Ok());
    }
}
