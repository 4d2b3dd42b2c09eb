using Macha.Core.Dependencies;

namespace Macha.Core.Knowledge;

/// <summary>Reports ChromaDB for <c>GET /api/dependencies</c> and the overview, from <see cref="KnowledgeStatus"/>.</summary>
internal sealed class ChromaStatusSource(KnowledgeStatus status) : IDependencyStatusSource
{
    public string Name => DependencyNames.ChromaDb;

    public async Task<DependencyStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var report = await status.CheckAsync(cancellationToken);
        var state = report.State switch
        {
            KnowledgeState.Ok => DependencyState.Ok,
            KnowledgeState.Degraded => DependencyState.Degraded,
            KnowledgeState.Down => DependencyState.Down,
            _ => DependencyState.NotConfigured,
        };
        return new DependencyStatus(Name, state, report.Detail, report.CheckedAt);
    }
}
