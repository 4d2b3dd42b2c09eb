using Macha.Core.Knowledge.Chroma;

namespace Macha.Core.Knowledge;

/// <summary>The state of the knowledge base, as the dependency list shows it.</summary>
public enum KnowledgeState
{
    Ok,

    /// <summary>ChromaDB answers, but the last knowledge operation failed, such as an embedding request.</summary>
    Degraded,

    Down,
    NotConfigured,
}

/// <param name="Detail">One sentence a person can act on; never contains a secret.</param>
public sealed record KnowledgeStatusReport(KnowledgeState State, string Detail, DateTimeOffset CheckedAt);

/// <summary>
/// Checks ChromaDB for <c>GET /api/dependencies</c> and the dashboard: not configured, down (no
/// heartbeat), degraded (the server answers but the last operation failed), or ok with its version.
/// </summary>
public sealed class KnowledgeStatus
{
    private readonly ChromaClientProvider _clients;
    private readonly KnowledgeStore _store;
    private readonly TimeProvider _timeProvider;

    internal KnowledgeStatus(ChromaClientProvider clients, KnowledgeStore store, TimeProvider timeProvider)
    {
        _clients = clients;
        _store = store;
        _timeProvider = timeProvider;
    }

    /// <summary>Checks the server now; never throws for an unreachable server.</summary>
    public async Task<KnowledgeStatusReport> CheckAsync(CancellationToken cancellationToken = default)
    {
        if (!_clients.IsConfigured)
        {
            return new KnowledgeStatusReport(KnowledgeState.NotConfigured, "Set Macha:Knowledge:ChromaUrl to use a knowledge base.", _timeProvider.GetUtcNow());
        }

        string version;
        try
        {
            version = await _clients.Create().GetVersionAsync(cancellationToken);
        }
        catch (ChromaException ex)
        {
            return new KnowledgeStatusReport(KnowledgeState.Down, ex.Message, _timeProvider.GetUtcNow());
        }

        if (_store.LastFailure is { } failure)
        {
            return new KnowledgeStatusReport(KnowledgeState.Degraded, $"ChromaDB {version} answers, but the last knowledge operation failed at {failure.At:u}: {failure.Message}", _timeProvider.GetUtcNow());
        }

        return new KnowledgeStatusReport(KnowledgeState.Ok, $"ChromaDB {version} answers.", _timeProvider.GetUtcNow());
    }
}
