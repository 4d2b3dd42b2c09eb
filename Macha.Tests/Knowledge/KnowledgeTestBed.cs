using Macha.Core.Cycle;
using Macha.Core.Knowledge;
using Macha.Core.Storage;
using Macha.Tests.Cycle;
using Macha.Tests.Fakes;
using Microsoft.EntityFrameworkCore;

namespace Macha.Tests.Knowledge;

/// <summary>
/// Macha's service graph wired to a real Chroma server, in a database of its own, and to a fake
/// Ollama server that returns deterministic bag-of-words vectors from /api/embed.
/// </summary>
internal sealed class KnowledgeTestBed : IAsyncDisposable
{
    public const string Model = "nomic-embed-text";
    public const string ChatModel = "qwen3:8b";

    /// <summary>Embedding models the fake Ollama serves, with their dimensions.</summary>
    public static readonly IReadOnlyDictionary<string, int> Dimensions = new Dictionary<string, int>
    {
        [Model] = 64,
        ["mxbai-embed-large"] = 96,
    };

    private static readonly TimeSpan SearchableWaitLimit = TimeSpan.FromSeconds(90);

    private readonly bool _ownsOllama;

    private KnowledgeTestBed(CycleHarness harness, FakeOllamaServer ollama, bool ownsOllama, string database)
    {
        Harness = harness;
        Ollama = ollama;
        _ownsOllama = ownsOllama;
        Database = database;
    }

    public CycleHarness Harness { get; }

    public FakeOllamaServer Ollama { get; }

    /// <summary>The Chroma database of this test bed; unique, so tests never see each other's records.</summary>
    public string Database { get; }

    public KnowledgeStore Store => Harness.Get<KnowledgeStore>();

    /// <param name="database">An existing test bed's database, to open it again with other settings.</param>
    /// <param name="ollama">A running fake Ollama to share; by default the test bed starts its own.</param>
    public static async Task<KnowledgeTestBed> StartAsync(
        Uri chromaUrl,
        string model = Model,
        string? database = null,
        FakeOllamaServer? ollama = null,
        IDictionary<string, string?>? settings = null,
        bool analysisEnabled = false,
        IReadOnlyList<Macha.Core.Monitoring.ICollector>? collectors = null,
        IReadOnlyList<Macha.Core.Hosts.IHostShell>? hosts = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? configureServices = null)
    {
        var ownsOllama = ollama is null;
        ollama ??= await FakeOllamaServer.StartAsync();
        ollama.UseDeterministicEmbeddings(Dimensions);
        database ??= $"test-{Guid.NewGuid():N}";

        var configuration = new Dictionary<string, string?>
        {
            ["Macha:Analysis:Enabled"] = analysisEnabled ? "true" : "false",
            ["Macha:Analysis:OllamaUrl"] = ollama.Uri.ToString(),
            ["Macha:Analysis:Model"] = ChatModel,
            ["Macha:Analysis:RequestTimeout"] = "00:00:30",
            ["Macha:Knowledge:ChromaUrl"] = chromaUrl.ToString(),
            ["Macha:Knowledge:Database"] = database,
            ["Macha:Knowledge:EmbeddingModel"] = model,
            ["Macha:Knowledge:MinSimilarity"] = "0.2",
            // An upper bound only, because a loaded machine can take seconds to respond. No test here
            // needs a request to time out, since a stopped Chroma refuses connections at once.
            ["Macha:Knowledge:RequestTimeout"] = "00:01:00",
            ["Macha:Knowledge:MaxRetries"] = "1",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var harness = await CycleHarness.StartAsync(collectors ?? [new WorkingCollector(), new ThrowingCollector()], hosts, configuration, configureServices);
        return new KnowledgeTestBed(harness, ollama, ownsOllama, database);
    }

    public T Get<T>()
        where T : notnull => Harness.Get<T>();

    /// <summary>Runs one health cycle, which opens one incident (CollectorFailed by default), and returns it with its queued analysis.</summary>
    public async Task<(Macha.Core.Incidents.IncidentRecord Incident, Guid AnalysisId)> OpenIncidentAsync()
    {
        await Harness.Get<HealthCycle>().RunAsync(CycleTrigger.Scheduled);
        await using var db = Harness.OpenDatabase();
        var incident = await db.Incidents.AsNoTracking().SingleAsync();
        var analysis = await db.Analyses.AsNoTracking().SingleAsync();
        return (incident, analysis.Id);
    }

    /// <summary>
    /// Waits until a search for <paramref name="query"/> finds the record <paramref name="id"/>, for at
    /// most 90 seconds. Chroma 1.0.0 can miss records for a moment after they were written while it
    /// indexes them, so tests wait for that before they search.
    /// </summary>
    public async Task WaitUntilSearchableAsync(KnowledgeCollection collection, string query, string id)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(started) < SearchableWaitLimit)
        {
            var hits = await Store.SearchAsync(query, [collection], 50, -1, Macha.Core.Analysis.ModelRequestPriority.Interactive);
            if (hits.Any(hit => hit.Id == id))
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Record {id} did not become searchable in {collection} within {SearchableWaitLimit}.");
    }

    public async ValueTask DisposeAsync()
    {
        await Harness.DisposeAsync();
        if (_ownsOllama)
        {
            await Ollama.DisposeAsync();
        }
    }
}
