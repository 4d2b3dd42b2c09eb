using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Macha.Web.Cli;

/// <summary>
/// Calls a running instance's REST API and turns every failure into a <see cref="CliException"/>
/// with the exit code for it and the problem detail the instance sent.
/// </summary>
internal sealed class MachaApiClient : IDisposable
{
    // Approving runs the action before the response, and a restart waits for its settle time.
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(5);

    private readonly HttpClient _http;

    public MachaApiClient(CliSettings settings)
    {
        Settings = settings;
        _http = new HttpClient { BaseAddress = settings.BaseUrl, Timeout = RequestTimeout };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (settings.Token is { } token)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public CliSettings Settings { get; }

    public Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, body: null, cancellationToken);

    /// <summary>Returns null when the instance has no such endpoint (an older version), instead of failing.</summary>
    public async Task<JsonElement?> GetOptionalAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await GetAsync(path, cancellationToken);
        }
        catch (CliException ex) when (ex.ExitCode == ExitCodes.NotFound)
        {
            return null;
        }
    }

    public Task<JsonElement> PostAsync(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, body, cancellationToken);

    public Task<JsonElement> DeleteAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, path, body: null, cancellationToken);

    public void Dispose() => _http.Dispose();

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException(ExitCodes.Failure, $"Cannot reach Macha at {Settings.BaseUrl} (from {Settings.UrlSource}): {ex.Message.TrimEnd('.')}. Check that it is running, or set --url or MACHA_URL.");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Failure, $"Macha at {Settings.BaseUrl} did not respond to {method} /{path.TrimStart('/')} within {RequestTimeout.TotalMinutes:0} minutes.");
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return Parse(text);
            }

            throw new CliException(ExitCodeFor(response.StatusCode), Describe(method, path, response, text));
        }
    }

    private static JsonElement Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return default;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new CliException(ExitCodes.Failure, "The response from Macha is not JSON. Check that --url or MACHA_URL points at a Macha instance.");
        }
    }

    private static int ExitCodeFor(HttpStatusCode status) => status switch
    {
        HttpStatusCode.NotFound => ExitCodes.NotFound,
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ExitCodes.Unauthorized,
        _ => ExitCodes.Failure,
    };

    /// <summary>Adds a validation problem's field messages, such as "port: must be 1 to 65535", to the detail.</summary>
    private static string? AppendFieldErrors(string? detail, JsonElement root)
    {
        if (!root.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Object)
        {
            return detail;
        }

        var messages = new List<string>();
        foreach (var field in errors.EnumerateObject())
        {
            var texts = field.Value.ValueKind == JsonValueKind.Array
                ? field.Value.EnumerateArray().Where(item => item.ValueKind == JsonValueKind.String).Select(item => item.GetString()!)
                : [];
            messages.AddRange(texts.Select(text => $"{field.Name}: {text}"));
        }

        if (messages.Count == 0)
        {
            return detail;
        }

        var fields = string.Join("; ", messages);
        return detail is { Length: > 0 } ? $"{detail} {fields}" : fields;
    }

    private string Describe(HttpMethod method, string path, HttpResponseMessage response, string text)
    {
        string? title = null;
        string? detail = null;
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                title = root.TryGetProperty("title", out var t) ? t.GetString() : null;
                detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
                detail = AppendFieldErrors(detail, root);
            }
        }
        catch (JsonException)
        {
            // Not a problem-details body; the status line is all there is to report.
        }

        var status = $"{(int)response.StatusCode} {title ?? response.ReasonPhrase}";
        var hint = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => Settings.Token is null
                ? " No API token was sent: set MACHA_TOKEN_FILE, or tokenFile in the CLI config file."
                : " The API token was not accepted; check that it is current.",
            HttpStatusCode.Forbidden => " The API token lacks the scope this needs (operate, for changes).",
            _ => string.Empty,
        };
        var message = $"{method} /{path.TrimStart('/')} failed: {status}.";
        return detail is { Length: > 0 } ? $"{message} {detail}{hint}" : message + hint;
    }
}
