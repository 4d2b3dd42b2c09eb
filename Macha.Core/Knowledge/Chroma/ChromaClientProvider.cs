using Microsoft.Extensions.Options;

namespace Macha.Core.Knowledge.Chroma;

/// <summary>
/// Creates a <see cref="ChromaClient"/> on the named HttpClient that carries the timeout and retry
/// handler. Singletons call <see cref="Create"/> per operation, so the factory can rotate handlers.
/// </summary>
internal sealed class ChromaClientProvider(IHttpClientFactory httpClients, IOptions<KnowledgeOptions> options)
{
    public const string HttpClientName = "chroma";

    public bool IsConfigured => options.Value.ChromaUrl is not null;

    /// <exception cref="KnowledgeUnavailableException">Macha:Knowledge:ChromaUrl is not set.</exception>
    public ChromaClient Create()
    {
        if (!IsConfigured)
        {
            throw new KnowledgeUnavailableException("the knowledge base is not configured (Macha:Knowledge:ChromaUrl is empty)");
        }

        return new ChromaClient(httpClients.CreateClient(HttpClientName));
    }
}
