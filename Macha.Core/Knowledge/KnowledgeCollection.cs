namespace Macha.Core.Knowledge;

/// <summary>The three parts of the knowledge base, each a Chroma collection in cosine space.</summary>
public enum KnowledgeCollection
{
    /// <summary>Notes and runbooks: seeded, added by people, or learned.</summary>
    Knowledge,

    /// <summary>Incidents with their symptoms, diagnosis, the action taken and its outcome.</summary>
    Incidents,

    /// <summary>Files of the NixOS configuration repository, one record per .nix file.</summary>
    Configs,
}

internal static class KnowledgeCollectionNames
{
    public static IReadOnlyList<KnowledgeCollection> All { get; } = [KnowledgeCollection.Knowledge, KnowledgeCollection.Incidents, KnowledgeCollection.Configs];

    /// <summary>Returns the name used in the API and in collection metadata: knowledge, incidents or configs.</summary>
    public static string Name(this KnowledgeCollection collection) => collection switch
    {
        KnowledgeCollection.Knowledge => "knowledge",
        KnowledgeCollection.Incidents => "incidents",
        KnowledgeCollection.Configs => "configs",
        _ => throw new ArgumentOutOfRangeException(nameof(collection), collection, null),
    };

    public static bool TryParse(string? name, out KnowledgeCollection collection)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Name(), name, StringComparison.OrdinalIgnoreCase))
            {
                collection = candidate;
                return true;
            }
        }

        collection = default;
        return false;
    }
}
