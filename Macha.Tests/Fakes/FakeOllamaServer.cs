using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Macha.Tests.Fakes;

/// <summary>
/// An HTTP server on 127.0.0.1 that speaks Ollama's API (/api/chat, /api/embed, /api/tags, /api/show,
/// /api/version) and replays scripted responses, for Ollama cannot be installed where the tests run.
/// Each endpoint has its own queue; a request to an endpoint with an empty queue gets a 500 whose error
/// names the endpoint, so a missing script fails the test loudly. Every request is recorded.
/// </summary>
public sealed class FakeOllamaServer : IAsyncDisposable
{
    public const string Chat = "/api/chat";
    public const string Embed = "/api/embed";
    public const string Tags = "/api/tags";
    public const string Show = "/api/show";
    public const string Version = "/api/version";

    private readonly ConcurrentDictionary<string, ConcurrentQueue<FakeOllamaResponse>> _scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly WebApplication _app;
    private IReadOnlyDictionary<string, int>? _embeddingDimensions;
    private bool _stopped;

    private FakeOllamaServer(WebApplication app, Uri uri)
    {
        _app = app;
        Uri = uri;
    }

    /// <summary>Base address, such as http://127.0.0.1:41234/.</summary>
    public Uri Uri { get; }

    /// <summary>Requests in the order they arrived, each with its body as sent.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public static async Task<FakeOllamaServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();

        // The test output holds Macha.Web's appsettings.json, whose Kestrel endpoints would replace ours.
        builder.Configuration.Sources.Clear();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();

        // Hanging responses end when the server stops; the host need not wait long for them.
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(2));

        var app = builder.Build();
        FakeOllamaServer? server = null;
        app.Run(context => server!.HandleAsync(context));
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server = new FakeOllamaServer(app, new Uri(address.EndsWith('/') ? address : address + "/"));
        return server;
    }

    /// <summary>Adds a response to the end of the endpoint's queue, such as <see cref="Chat"/>.</summary>
    public FakeOllamaServer Enqueue(string endpoint, FakeOllamaResponse response)
    {
        _scripts.GetOrAdd(endpoint, _ => new ConcurrentQueue<FakeOllamaResponse>()).Enqueue(response);
        return this;
    }

    public FakeOllamaServer EnqueueChat(FakeOllamaResponse response) => Enqueue(Chat, response);

    /// <summary>
    /// Returns <see cref="DeterministicEmbedding"/> vectors for /api/embed requests that have no scripted
    /// response, for the models named here with their dimension. Any other model gets Ollama's 404
    /// "model not found" body.
    /// </summary>
    public FakeOllamaServer UseDeterministicEmbeddings(IReadOnlyDictionary<string, int> dimensionsByModel)
    {
        _embeddingDimensions = dimensionsByModel;
        return this;
    }

    /// <summary>
    /// Returns a bag-of-words embedding: each word of two or more letters or digits, lower-cased, adds
    /// one to the component its FNV-1a hash selects, and the vector is scaled to length one. Texts that
    /// share words get a higher cosine similarity, so similarity tests mean something.
    /// </summary>
    public static float[] DeterministicEmbedding(string text, int dimensions)
    {
        var vector = new float[dimensions];

        // A small constant part keeps a text without words from becoming the zero vector.
        vector[0] = 0.01f;
        foreach (var word in Words(text))
        {
            var hash = 2166136261u;
            foreach (var c in word)
            {
                hash = (hash ^ c) * 16777619u;
            }

            vector[hash % (uint)dimensions] += 1;
        }

        var length = MathF.Sqrt(vector.Sum(v => v * v));
        return [.. vector.Select(v => v / length)];
    }

    /// <summary>Bodies of the requests to one endpoint, parsed as JSON, in the order they arrived.</summary>
    public IReadOnlyList<JsonElement> RequestBodies(string endpoint) =>
        [.. Requests.Where(request => request.Path == endpoint).Select(request => JsonDocument.Parse(request.Body).RootElement.Clone())];

    /// <summary>Stops listening, so later connections are refused as when Ollama is down; hanging responses end.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await _stopping.CancelAsync();
        await _app.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        _requests.Enqueue(new RecordedRequest(context.Request.Method, path, body));

        if (!_scripts.TryGetValue(path, out var queue) || !queue.TryDequeue(out var response))
        {
            response = path == Embed && _embeddingDimensions is { } dimensions
                ? Embeddings(body, dimensions)
                : FakeOllamaResponse.Error(HttpStatusCode.InternalServerError, $"{{\"error\":\"FakeOllamaServer: no response scripted for {context.Request.Method} {path}\"}}");
        }

        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            await response.WriteAsync(context, aborted.Token);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client gave up (its timeout) or the server is stopping; both are what the test arranged.
            context.Abort();
        }
    }

    private static FakeOllamaResponse Embeddings(string body, IReadOnlyDictionary<string, int> dimensions)
    {
        var request = JsonDocument.Parse(body).RootElement;
        var model = request.GetProperty("model").GetString() ?? string.Empty;
        if (!dimensions.TryGetValue(model, out var size))
        {
            // Ollama's response for a model that was never pulled.
            return FakeOllamaResponse.Error(HttpStatusCode.NotFound, $"{{\"error\":\"model \\\"{model}\\\" not found, try pulling it first\"}}");
        }

        var input = request.GetProperty("input");
        var texts = input.ValueKind == JsonValueKind.Array ? input.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToArray() : [input.GetString() ?? string.Empty];
        return FakeOllamaResponses.Embeddings(model, [.. texts.Select(text => DeterministicEmbedding(text, size))]);
    }

    private static IEnumerable<string> Words(string text)
    {
        var word = new StringBuilder();
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                word.Append(char.ToLowerInvariant(c));
                continue;
            }

            if (word.Length >= 2)
            {
                yield return word.ToString();
            }

            word.Clear();
        }

        if (word.Length >= 2)
        {
            yield return word.ToString();
        }
    }
}

/// <summary>One request as the fake server received it.</summary>
public sealed record RecordedRequest(string Method, string Path, string Body);

/// <summary>
/// A scripted response: a JSON body, NDJSON stream chunks, or an error status with a body exactly as
/// Ollama sends it. <see cref="Delay"/> waits before the status line; <see cref="Hang"/> never answers.
/// </summary>
public sealed record FakeOllamaResponse
{
    private FakeOllamaResponse(HttpStatusCode status, string contentType, IReadOnlyList<string> parts)
    {
        Status = status;
        ContentType = contentType;
        Parts = parts;
    }

    public HttpStatusCode Status { get; }

    public string ContentType { get; }

    /// <summary>The body, written and flushed part by part.</summary>
    public IReadOnlyList<string> Parts { get; }

    public TimeSpan Delay { get; init; }

    /// <summary>Wait between stream parts, so the client reads them as separate HTTP chunks.</summary>
    public TimeSpan DelayBetweenParts { get; init; }

    /// <summary>Never sends a status line; the request ends only when the client gives up or the server stops.</summary>
    public bool Hang { get; init; }

    public static FakeOllamaResponse Json(string body, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status, "application/json; charset=utf-8", [body]);

    /// <summary>An NDJSON stream, one chunk per line as /api/chat sends with "stream": true.</summary>
    /// <param name="splitLines">Writes each line in two HTTP chunks, as a network boundary may cut it.</param>
    public static FakeOllamaResponse Stream(IEnumerable<string> lines, bool splitLines = false)
    {
        var parts = new List<string>();
        foreach (var line in lines)
        {
            var text = line + "\n";
            if (splitLines && text.Length > 2)
            {
                parts.Add(text[..(text.Length / 2)]);
                parts.Add(text[(text.Length / 2)..]);
            }
            else
            {
                parts.Add(text);
            }
        }

        return new(HttpStatusCode.OK, "application/x-ndjson", parts) { DelayBetweenParts = TimeSpan.FromMilliseconds(5) };
    }

    public static FakeOllamaResponse Error(HttpStatusCode status, string body, string contentType = "application/json; charset=utf-8") =>
        new(status, contentType, [body]);

    internal async Task WriteAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (Hang)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken);
        }

        context.Response.StatusCode = (int)Status;
        context.Response.ContentType = ContentType;
        for (var i = 0; i < Parts.Count; i++)
        {
            if (i > 0 && DelayBetweenParts > TimeSpan.Zero)
            {
                await Task.Delay(DelayBetweenParts, cancellationToken);
            }

            await context.Response.WriteAsync(Parts[i], cancellationToken);
            await context.Response.Body.FlushAsync(cancellationToken);
        }
    }
}
