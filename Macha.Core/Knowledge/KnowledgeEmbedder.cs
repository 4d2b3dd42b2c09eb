using Macha.Core.Analysis;
using Macha.Core.Analysis.ModelClient;
using Microsoft.Extensions.Options;
using OllamaSharp;
using OllamaSharp.Models;

namespace Macha.Core.Knowledge;

/// <summary>
/// Turns texts into embeddings with Ollama's /api/embed and <see cref="KnowledgeOptions.EmbeddingModel"/>.
/// Every request goes through the model-request queue, because embedding competes with chat
/// requests for the same GPU.
/// </summary>
internal sealed class KnowledgeEmbedder : IDisposable
{
    /// <summary>Texts sent in one /api/embed request.</summary>
    public const int BatchSize = 32;

    private readonly IModelRequestQueue _queue;
    private readonly IOptions<KnowledgeOptions> _options;
    private readonly HttpClient _http;
    private readonly OllamaApiClient _ollama;

    public KnowledgeEmbedder(IModelRequestQueue queue, IOptions<KnowledgeOptions> options, IOptions<AnalysisOptions> analysisOptions)
    {
        _queue = queue;
        _options = options;
        var model = options.Value.EmbeddingModel;

        // The timeout is the queue's, per request; this one only stops a connection that never answers.
        _http = new HttpClient(new OllamaHttpErrorHandler(model, new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10) }))
        {
            BaseAddress = analysisOptions.Value.OllamaUrl,
            Timeout = options.Value.EmbeddingTimeout + TimeSpan.FromSeconds(30),
        };
        _ollama = new OllamaApiClient(_http, model);
    }

    public string Model => _options.Value.EmbeddingModel;

    /// <summary>Embeds each text, in order, in batches of <see cref="BatchSize"/>.</summary>
    /// <exception cref="KnowledgeUnavailableException">Ollama could not be reached, lacks the model, or timed out.</exception>
    public async Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, ModelRequestPriority priority, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);

        var vectors = new List<float[]>(texts.Count);
        foreach (var batch in texts.Chunk(BatchSize))
        {
            vectors.AddRange(await EmbedBatchAsync(batch, priority, cancellationToken));
        }

        return vectors;
    }

    public void Dispose()
    {
        _ollama.Dispose();
        _http.Dispose();
    }

    private async Task<IReadOnlyList<float[]>> EmbedBatchAsync(string[] batch, ModelRequestPriority priority, CancellationToken cancellationToken)
    {
        var model = Model;
        EmbedResponse response;
        try
        {
            response = await _queue.RunAsync(
                priority,
                $"embed {batch.Length} texts with {model}",
                token => _ollama.EmbedAsync(new EmbedRequest { Model = model, Input = [.. batch] }, token),
                _options.Value.EmbeddingTimeout,
                cancellationToken);
        }
        catch (ModelClientException ex)
        {
            throw new KnowledgeUnavailableException($"embedding with {model} failed: {ex.Message}", ex);
        }
        catch (ModelRequestTimeoutException ex)
        {
            throw new KnowledgeUnavailableException($"embedding with {model} timed out after Macha:Knowledge:EmbeddingTimeout ({_options.Value.EmbeddingTimeout})", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new KnowledgeUnavailableException($"embedding with {model} failed: the Ollama server could not be reached ({ex.Message})", ex);
        }

        var embeddings = response.Embeddings ?? [];
        if (embeddings.Count != batch.Length || embeddings.Any(e => e is null || e.Length == 0))
        {
            throw new KnowledgeUnavailableException($"embedding with {model} returned {embeddings.Count} vectors for {batch.Length} texts, or an empty vector");
        }

        return [.. embeddings];
    }
}

/// <summary>The knowledge base cannot serve a request now: ChromaDB or the embedding model is unreachable or failing.</summary>
public sealed class KnowledgeUnavailableException(string message, Exception? innerException = null) : Exception(message, innerException);
