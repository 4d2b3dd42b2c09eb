using Macha.Core.Notifications;
using Microsoft.Extensions.Options;

namespace Macha.Core.Knowledge.Chroma;

/// <summary>
/// Creates a <see cref="ChromaClient"/> on the named HttpClient that carries the timeout and retry
/// handler. Singletons call <see cref="Create"/> per operation, so the factory can rotate handlers.
/// Every client reports to <paramref name="notifications"/> whether the server responded, so a
/// notification goes out when ChromaDB goes down or comes back.
/// </summary>
internal sealed class ChromaClientProvider(IHttpClientFactory httpClients, IOptions<KnowledgeOptions> options, INotificationSink? notifications = null)
{
    public const string HttpClientName = "chroma";

    /// <summary>The dependency name in ChromaDB's down and up notifications.</summary>
    public const string DependencyName = "ChromaDB";

    public bool IsConfigured => options.Value.ChromaUrl is not null;

    /// <exception cref="KnowledgeUnavailableException">Macha:Knowledge:ChromaUrl is not set.</exception>
    public ChromaClient Create()
    {
        if (!IsConfigured)
        {
            throw new KnowledgeUnavailableException("the knowledge base is not configured (Macha:Knowledge:ChromaUrl is empty)");
        }

        return new ChromaClient(httpClients.CreateClient(HttpClientName), ReportReachability);
    }

    // Only changes between down and up become notifications (NotificationPolicy), so every request may report.
    private void ReportReachability(bool isDown, string detail) =>
        notifications?.Publish(new DependencyStateChanged(DependencyName, DependencyKind.Service, isDown, detail));
}
