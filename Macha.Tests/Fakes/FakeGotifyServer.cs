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
/// An HTTP server on 127.0.0.1 that follows Gotify's REST API for sending, because no Gotify server
/// package exists where the tests run. <c>POST /message</c> takes the token from <c>?token=</c> or the
/// X-Gotify-Key header, as Gotify does. An application token gets 200 with the stored message; a client
/// token or an unknown token gets Gotify's 401 body; Basic credentials get its 403 body. Scripted
/// faults (5xx, a delay, a hang) are served first, one per request. Every request is recorded.
/// </summary>
public sealed class FakeGotifyServer : IAsyncDisposable
{
    /// <summary>Gotify's 401 body, as its server sends it for a missing, unknown or client token on POST /message.</summary>
    public const string UnauthorizedBody =
        """{"error":"Unauthorized","errorCode":401,"errorDescription":"you need to provide a valid access token or user credentials to access this api"}""";

    /// <summary>Gotify's 403 body, as its server sends it for user credentials on an application endpoint.</summary>
    public const string ForbiddenBody =
        """{"error":"Forbidden","errorCode":403,"errorDescription":"you are not allowed to access this api"}""";

    private readonly ConcurrentQueue<GotifyFault> _faults = new();
    private readonly ConcurrentQueue<GotifyRequest> _requests = new();
    private readonly ConcurrentDictionary<string, bool> _applicationTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _clientTokens = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly WebApplication _app;
    private long _nextId;
    private int _inFlight;
    private bool _stopped;

    private FakeGotifyServer(WebApplication app, Uri uri)
    {
        _app = app;
        Uri = uri;
    }

    /// <summary>Base address, such as http://127.0.0.1:41234/.</summary>
    public Uri Uri { get; }

    /// <summary>Requests in the order they arrived, each with its headers and body as sent.</summary>
    public IReadOnlyList<GotifyRequest> Requests => [.. _requests];

    /// <summary>Requests received and not answered yet, such as those a <see cref="GotifyFault.NoAnswer"/> holds.</summary>
    public int InFlightCount => Volatile.Read(ref _inFlight);

    /// <summary>Bodies of the messages the server accepted, parsed as JSON.</summary>
    public IReadOnlyList<JsonElement> AcceptedMessages =>
        [.. Requests.Where(r => r.Status == 200).Select(r => JsonDocument.Parse(r.Body).RootElement.Clone())];

    public static async Task<FakeGotifyServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();

        // The test output contains Macha.Web's appsettings.json, whose Kestrel endpoints would replace ours.
        builder.Configuration.Sources.Clear();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(2));

        var app = builder.Build();
        FakeGotifyServer? server = null;
        app.Run(context => server!.HandleAsync(context));
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server = new FakeGotifyServer(app, new Uri(address.EndsWith('/') ? address : address + "/"));
        return server;
    }

    /// <summary>Registers an application token, which may send messages.</summary>
    public FakeGotifyServer AddApplicationToken(string token)
    {
        _applicationTokens[token] = true;
        return this;
    }

    /// <summary>Registers a client token, which Gotify rejects on POST /message with 401.</summary>
    public FakeGotifyServer AddClientToken(string token)
    {
        _clientTokens[token] = true;
        return this;
    }

    /// <summary>Serves this fault to the next request, before authentication, as a proxy or a failing Gotify would.</summary>
    public FakeGotifyServer EnqueueFault(GotifyFault fault)
    {
        _faults.Enqueue(fault);
        return this;
    }

    /// <summary>Stops listening, so later connections are refused; hanging responses end.</summary>
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
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var record = new GotifyRequest(
            context.Request.Method,
            context.Request.Path.Value ?? "",
            context.Request.QueryString.Value ?? "",
            headers,
            body);

        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        Interlocked.Increment(ref _inFlight);
        try
        {
            if (_faults.TryDequeue(out var fault))
            {
                await fault.DelayAsync(aborted.Token);
                if (fault.Status is { } faultStatus)
                {
                    await WriteAsync(context, record with { Status = faultStatus }, faultStatus, fault.Body ?? "");
                    return;
                }
            }

            var (status, responseBody) = Answer(context, body);
            await WriteAsync(context, record with { Status = status }, status, responseBody);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client gave up (its timeout) or the server is stopping; both are what the test arranged.
            _requests.Enqueue(record with { Status = 0 });
            context.Abort();
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task WriteAsync(HttpContext context, GotifyRequest record, int status, string body)
    {
        _requests.Enqueue(record);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body, context.RequestAborted);
    }

    private (int Status, string Body) Answer(HttpContext context, string body)
    {
        if (context.Request.Method != HttpMethods.Post || context.Request.Path != "/message")
        {
            return (404, """{"error":"Not Found","errorCode":404,"errorDescription":"page not found"}""");
        }

        // Gotify reads the query string first, then the X-Gotify-Key header, then a bearer token.
        var token = context.Request.Query["token"].ToString();
        if (string.IsNullOrEmpty(token))
        {
            token = context.Request.Headers["X-Gotify-Key"].ToString();
        }

        if (string.IsNullOrEmpty(token) && context.Request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.Ordinal))
        {
            return (403, ForbiddenBody);
        }

        if (!_applicationTokens.ContainsKey(token))
        {
            // A client token is as wrong here as an unknown one: POST /message needs an application token.
            return (401, UnauthorizedBody);
        }

        JsonElement message;
        try
        {
            message = JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
            return (400, """{"error":"Bad Request","errorCode":400,"errorDescription":"invalid JSON"}""");
        }

        if (!message.TryGetProperty("message", out var text) || text.ValueKind != JsonValueKind.String || text.GetString()!.Length == 0)
        {
            return (400, """{"error":"Bad Request","errorCode":400,"errorDescription":"Field 'message' is required"}""");
        }

        var id = Interlocked.Increment(ref _nextId);
        var stored = new Dictionary<string, object?>
        {
            ["id"] = id,
            ["appid"] = 1,
            ["message"] = text.GetString(),
            ["title"] = message.TryGetProperty("title", out var title) ? title.GetString() : null,
            ["priority"] = message.TryGetProperty("priority", out var priority) ? priority.GetInt32() : 0,
            ["extras"] = message.TryGetProperty("extras", out var extras) ? extras : null,
            ["date"] = "2026-12-04T12:00:00Z",
        };
        return (200, JsonSerializer.Serialize(stored));
    }
}

/// <summary>One request as the fake Gotify received it.</summary>
/// <param name="Query">The query string with its leading '?', or empty.</param>
/// <param name="Status">The status answered; 0 when the client gave up before an answer.</param>
public sealed record GotifyRequest(
    string Method,
    string Path,
    string Query,
    IReadOnlyDictionary<string, string> Headers,
    string Body,
    int Status = 0);

/// <summary>A response served instead of the normal one: a status with a body, after an optional delay, or no answer at all.</summary>
public sealed record GotifyFault(int? Status, string? Body = null, TimeSpan Delay = default, bool Hang = false)
{
    public static GotifyFault ServerError(int status = 500) =>
        new(status, $$"""{"error":"Internal Server Error","errorCode":{{status}},"errorDescription":"database is locked"}""");

    /// <summary>Answers normally, but only after <paramref name="delay"/>.</summary>
    public static GotifyFault Slow(TimeSpan delay) => new(null, Delay: delay);

    /// <summary>Never answers; the request ends when the client gives up or the server stops.</summary>
    public static GotifyFault NoAnswer() => new(null, Hang: true);

    internal Task DelayAsync(CancellationToken cancellationToken) =>
        Hang ? Task.Delay(Timeout.Infinite, cancellationToken)
            : Delay > TimeSpan.Zero ? Task.Delay(Delay, cancellationToken) : Task.CompletedTask;
}
