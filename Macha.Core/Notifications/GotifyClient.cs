using System.Net;
using System.Net.Http.Headers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Macha.Core.Storage.Audit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace Macha.Core.Notifications;

public enum GotifySendStatus
{
    Sent,

    /// <summary>Notifications are off: <see cref="NotificationOptions.GotifyUrl"/> is not set.</summary>
    NotConfigured,

    /// <summary>
    /// Gotify returned 401 or 403, or the token file gives no usable token. Sending again cannot help
    /// until the options or the token file change.
    /// </summary>
    Misconfigured,

    /// <summary>Gotify could not be reached, timed out, or returned an error, after every retry.</summary>
    Failed,
}

/// <param name="Detail">What happened, for the log and the dashboard; never contains the token.</param>
/// <param name="MessageId">The id Gotify gave the message, when it was sent.</param>
/// <param name="TokenVersion">The token file's version the attempt used; see <see cref="GotifyToken.Version"/>.</param>
public sealed record GotifySendResult(GotifySendStatus Status, string Detail, long? MessageId = null, string? TokenVersion = null);

/// <summary>
/// Sends messages to Gotify's <c>POST /message</c> with the application token in the X-Gotify-Key
/// header, never in the URL, so it cannot reach an access log. Retries with back-off on 5xx
/// statuses and timeouts come from the resilience handler of the <see cref="HttpClientName"/> client.
/// </summary>
internal sealed partial class GotifyClient
{
    public const string HttpClientName = "gotify";
    public const string TokenHeader = "X-Gotify-Key";

    // Non-ASCII text ("·", "⚠") goes out as UTF-8 rather than \u escapes. The relaxed encoder is safe
    // here because the body goes to an API and is never embedded in HTML.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly IHttpClientFactory _httpClients;
    private readonly GotifyTokenSource _tokens;
    private readonly IOptionsMonitor<NotificationOptions> _options;
    private readonly SecretRedactor _redactor;
    private readonly ILogger<GotifyClient> _logger;

    public GotifyClient(
        IHttpClientFactory httpClients,
        GotifyTokenSource tokens,
        IOptionsMonitor<NotificationOptions> options,
        SecretRedactor redactor,
        ILogger<GotifyClient> logger)
    {
        _httpClients = httpClients;
        _tokens = tokens;
        _options = options;
        _redactor = redactor;
        _logger = logger;
    }

    /// <summary>Sends one message and returns how it went; failures are results, and only cancellation by <paramref name="cancellationToken"/> throws.</summary>
    public async Task<GotifySendResult> SendAsync(Notification notification, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);

        var options = _options.CurrentValue;
        if (!options.IsConfigured)
        {
            return new GotifySendResult(GotifySendStatus.NotConfigured, "Gotify is not configured: Macha:Notifications:Gotify:Url is not set.");
        }

        var token = _tokens.Read();
        if (!token.IsUsable)
        {
            return new GotifySendResult(GotifySendStatus.Misconfigured, token.Problem!, TokenVersion: token.Version);
        }

        var endpoint = options.MessageEndpoint();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = CreateContent(notification) };
        request.Headers.TryAddWithoutValidation(TokenHeader, token.Value);

        var client = _httpClients.CreateClient(HttpClientName);
        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            return await InterpretAsync(response, endpoint, token.Version, cancellationToken);
        }
        catch (TimeoutRejectedException)
        {
            return Failed($"Gotify at {endpoint} did not answer within {options.RequestTimeout} on any of {options.MaxRetries + 1} attempts.", token.Version);
        }
        catch (HttpRequestException ex)
        {
            return Failed($"Gotify at {endpoint} cannot be reached: {_redactor.Redact(ex.Message)}", token.Version);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient's own timeout, which a handler configured elsewhere could still apply.
            return Failed($"The request to Gotify at {endpoint} timed out.", token.Version);
        }
    }

    /// <summary>Returns the JSON body Gotify expects, with the extras nested exactly as its clients read them.</summary>
    internal static byte[] SerializeBody(Notification notification)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("title", notification.Title);
            json.WriteString("message", notification.Message);
            json.WriteNumber("priority", notification.Priority);
            json.WriteStartObject("extras");

            // Without this, Gotify's clients show the Markdown source literally.
            json.WriteStartObject("client::display");
            json.WriteString("contentType", "text/markdown");
            json.WriteEndObject();

            // Only Gotify's Android app opens click.url on a tap, so the body repeats the link.
            if (notification.ClickUrl is { } url)
            {
                json.WriteStartObject("client::notification");
                json.WriteStartObject("click");
                json.WriteString("url", url.AbsoluteUri);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static ByteArrayContent CreateContent(Notification notification)
    {
        var content = new ByteArrayContent(SerializeBody(notification));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    private async Task<GotifySendResult> InterpretAsync(HttpResponseMessage response, Uri endpoint, string tokenVersion, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var body = await ReadBodyAsync(response, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            var id = TryReadLong(body, "id");
            LogSent(id, status);
            return new GotifySendResult(GotifySendStatus.Sent, $"Gotify accepted the message{(id is null ? "" : $" as message {id}")}.", id, tokenVersion);
        }

        var description = TryReadString(body, "errorDescription") ?? Excerpt(body);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            return new GotifySendResult(
                GotifySendStatus.Misconfigured,
                _redactor.Redact($"Gotify at {endpoint} rejected the token with {status} ({description}). Use an application token (Gotify's Apps page), not a client token, and check Macha:Notifications:Gotify:Url; Macha sends nothing more until the options or the token file change."),
                TokenVersion: tokenVersion);
        }

        return Failed($"Gotify at {endpoint} answered {status}: {description}", tokenVersion);
    }

    private GotifySendResult Failed(string detail, string tokenVersion) =>
        new(GotifySendStatus.Failed, _redactor.Redact(detail), TokenVersion: tokenVersion);

    private static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException)
        {
            return string.Empty;
        }
    }

    private static long? TryReadLong(string body, string property)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty(property, out var value)
                && value.TryGetInt64(out var number) ? number : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? TryReadString(string body, string property)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty(property, out var value)
                && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Excerpt(string body) =>
        body.Length == 0 ? "no body" : MarkdownText.OneLine(body, 200);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Gotify accepted a message as {GotifyMessageId} with status {StatusCode}")]
    private partial void LogSent(long? gotifyMessageId, int statusCode);
}
