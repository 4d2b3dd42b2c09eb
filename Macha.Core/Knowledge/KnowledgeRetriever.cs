using System.Text;
using Macha.Core.Analysis;
using Macha.Core.Incidents;
using Microsoft.Extensions.Options;

namespace Macha.Core.Knowledge;

/// <summary>What retrieval found for an analysis, or why it could not run.</summary>
/// <param name="Unavailable">Why there was no retrieval (not configured, ChromaDB down); null when it ran.</param>
public sealed record KnowledgeRetrieval(IReadOnlyList<KnowledgeHit> Hits, string? Unavailable)
{
    public static KnowledgeRetrieval None(string reason) => new([], reason);
}

/// <summary>One retrieved record as the analysis record keeps it.</summary>
public sealed record RetrievedRecord(string Collection, string Id, string Title, double Similarity);

/// <summary>
/// Finds what the knowledge base holds about an incident before the model sees it: notes, earlier
/// incidents with their outcomes, and configuration files, above the minimum similarity.
/// </summary>
public sealed class KnowledgeRetriever
{
    /// <summary>Longest query text sent for embedding, in characters.</summary>
    private const int MaxQueryCharacters = 2000;

    private readonly KnowledgeStore _store;
    private readonly IOptionsMonitor<KnowledgeOptions> _options;

    internal KnowledgeRetriever(KnowledgeStore store, IOptionsMonitor<KnowledgeOptions> options)
    {
        _store = store;
        _options = options;
    }

    /// <summary>Searches every collection for the incident; never throws for a failing knowledge base, only for cancellation.</summary>
    public async Task<KnowledgeRetrieval> RetrieveAsync(IncidentRecord incident, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incident);
        if (!_store.IsConfigured)
        {
            return KnowledgeRetrieval.None("the knowledge base is not configured");
        }

        var options = _options.CurrentValue;
        try
        {
            var hits = await _store.SearchAsync(QueryFor(incident), KnowledgeCollectionNames.All, options.MaxResults, options.MinSimilarity, ModelRequestPriority.Incident, cancellationToken: cancellationToken);
            return new KnowledgeRetrieval(hits, null);
        }
        catch (KnowledgeUnavailableException ex)
        {
            return KnowledgeRetrieval.None($"the knowledge base was unavailable, so the analysis ran without retrieval: {ex.Message}");
        }
    }

    /// <summary>Returns the text embedded to find records about an incident: kind, subject, summary and evidence.</summary>
    public static string QueryFor(IncidentRecord incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var query = new StringBuilder()
            .Append(incident.Kind).Append(' ').AppendLine(incident.Subject)
            .AppendLine(incident.Summary)
            .Append(incident.Evidence)
            .ToString();
        return query.Length > MaxQueryCharacters ? query[..MaxQueryCharacters] : query;
    }
}
