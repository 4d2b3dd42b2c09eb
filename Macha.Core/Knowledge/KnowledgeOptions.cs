namespace Macha.Core.Knowledge;

/// <summary>The knowledge base in ChromaDB; bound from the <c>Macha:Knowledge</c> section.</summary>
public sealed class KnowledgeOptions
{
    public const string SectionName = "Macha:Knowledge";

    /// <summary>
    /// Base address of the ChromaDB server, such as http://127.0.0.1:8000. Null (the default) turns
    /// the knowledge base off: analyses run without retrieval and nothing is learned.
    /// </summary>
    public Uri? ChromaUrl { get; set; }

    /// <summary>The Chroma tenant; created when missing.</summary>
    public string Tenant { get; set; } = "default_tenant";

    /// <summary>The Chroma database inside the tenant; created when missing.</summary>
    public string Database { get; set; } = "default_database";

    /// <summary>Ollama embedding model, as Ollama names it; changing it re-embeds every collection.</summary>
    public string EmbeddingModel { get; set; } = "nomic-embed-text";

    /// <summary>Limit on one ChromaDB request attempt.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of a ChromaDB request that failed with a transient error, with exponential back-off.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>Limit on one embedding request's running time, not counting its wait in the model queue.</summary>
    public TimeSpan EmbeddingTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Hits retrieved for an analysis prompt.</summary>
    public int MaxResults { get; set; } = 4;

    /// <summary>
    /// Hits with a lower similarity (1 minus the cosine distance, from -1 to 1) are left out of prompts
    /// and of the knowledge_search tool.
    /// </summary>
    public double MinSimilarity { get; set; } = 0.5;

    /// <summary>Share of the analysis prompt, in estimated tokens, that retrieved hits may fill.</summary>
    public int PromptTokens { get; set; } = 1200;

    /// <summary>Whether the notes shipped with Macha are added (or updated) at start.</summary>
    public bool SeedNotes { get; set; } = true;

    /// <summary>An optional git repository of NixOS configurations to index.</summary>
    public ConfigRepositoryOptions ConfigRepository { get; set; } = new();
}

/// <summary>The NixOS configuration repository; bound from <c>Macha:Knowledge:ConfigRepository</c>.</summary>
public sealed class ConfigRepositoryOptions
{
    /// <summary>Clone address (https, ssh or file); null (the default) indexes no repository. Must not contain a password.</summary>
    public string? Url { get; set; }

    public string Branch { get; set; } = "main";

    /// <summary>User name sent to git when the server asks for one.</summary>
    public string? Username { get; set; }

    /// <summary>
    /// File whose first line is the password or access token for <see cref="Url"/>. Git reads it
    /// through an askpass helper, so the secret never appears in a command line or a log.
    /// </summary>
    public string? CredentialsFile { get; set; }

    /// <summary>Time between pulls of the repository.</summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Limit on one git command.</summary>
    public TimeSpan GitTimeout { get; set; } = TimeSpan.FromMinutes(5);
}
