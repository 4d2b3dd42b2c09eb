using System.Net;
using System.Text.Json;

namespace Macha.Core.Knowledge.Chroma;

/// <summary>What kind of failure a ChromaDB request ended in, so callers can react without parsing messages.</summary>
public enum ChromaErrorKind
{
    /// <summary>The server could not be reached, timed out or returned a transient 429, 502, 503 or 504 after every retry.</summary>
    Unavailable,

    /// <summary>The collection, tenant or database does not exist (404, NotFoundError).</summary>
    NotFound,

    /// <summary>The name already exists (409, UniqueConstraintError).</summary>
    Conflict,

    /// <summary>An embedding's length differs from the collection's dimension (400).</summary>
    DimensionMismatch,

    /// <summary>The request was invalid (400 or 422), such as a bad collection name.</summary>
    InvalidArgument,

    /// <summary>
    /// Macha's settings do not match the server: the v1 API is gone (410), or a 500 "already exists"
    /// for a new name, which Chroma returns when the tenant or database in the address is wrong.
    /// Retrying cannot help.
    /// </summary>
    Configuration,

    /// <summary>Any other error status.</summary>
    ServerError,
}

/// <summary>A ChromaDB request failed. The message names what failed and what to do next.</summary>
public sealed class ChromaException : Exception
{
    public ChromaException(ChromaErrorKind kind, string message, HttpStatusCode? statusCode = null, string? errorType = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        StatusCode = statusCode;
        ErrorType = errorType;
    }

    public ChromaErrorKind Kind { get; }

    /// <summary>The HTTP status, or null when no response arrived.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The "error" field of Chroma's body, such as "NotFoundError", when the body had one.</summary>
    public string? ErrorType { get; }

    /// <summary>
    /// Maps a non-success response to an exception. Chroma 1.0 returns <c>{"error": TYPE, "message": TEXT}</c>;
    /// older servers sent plain text such as <c>UniqueConstraintError('Collection … already exists')</c>,
    /// so the text is searched as well as the status.
    /// </summary>
    internal static ChromaException FromResponse(HttpStatusCode status, string body, string operation)
    {
        var (errorType, message) = ReadBody(body);
        var text = $"ChromaDB {operation} failed with {(int)status} {status}: {(errorType is null ? string.Empty : errorType + ": ")}{message}";
        var alreadyExists = message.Contains("already exists", StringComparison.OrdinalIgnoreCase)
            || string.Equals(errorType, "UniqueConstraintError", StringComparison.Ordinal);

        var kind = status switch
        {
            HttpStatusCode.Conflict => ChromaErrorKind.Conflict,
            HttpStatusCode.NotFound => ChromaErrorKind.NotFound,
            HttpStatusCode.Gone => ChromaErrorKind.Configuration,
            HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity when IsDimensionMismatch(message) => ChromaErrorKind.DimensionMismatch,
            HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity => ChromaErrorKind.InvalidArgument,
            HttpStatusCode.InternalServerError when alreadyExists => ChromaErrorKind.Configuration,
            HttpStatusCode.InternalServerError when IsDimensionMismatch(message) => ChromaErrorKind.DimensionMismatch,
            HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => ChromaErrorKind.Unavailable,
            _ when alreadyExists => ChromaErrorKind.Conflict,
            _ => ChromaErrorKind.ServerError,
        };

        text += kind switch
        {
            ChromaErrorKind.Configuration when status == HttpStatusCode.Gone =>
                " The server no longer serves this API version; Macha uses /api/v2, so check that Macha:Knowledge:ChromaUrl points at the server itself and not at a proxy that rewrites paths.",
            ChromaErrorKind.Configuration =>
                " Chroma reports this when the tenant or database in the request does not exist; check Macha:Knowledge:Tenant and Macha:Knowledge:Database.",
            ChromaErrorKind.DimensionMismatch =>
                " The collection holds embeddings of another model or size; Macha keeps one collection per embedding model, so this collection was written by something else.",
            _ => string.Empty,
        };

        return new ChromaException(kind, text, status, errorType);
    }

    private static bool IsDimensionMismatch(string message) =>
        message.Contains("dimension", StringComparison.OrdinalIgnoreCase);

    private static (string? ErrorType, string Message) ReadBody(string body)
    {
        var trimmed = body.Trim();
        if (trimmed.StartsWith('{'))
        {
            try
            {
                using var document = JsonDocument.Parse(trimmed);
                var root = document.RootElement;
                var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                var message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                if (error is not null || message is not null)
                {
                    return (error, message ?? string.Empty);
                }
            }
            catch (JsonException)
            {
                // Not JSON after all; report the text as it came.
            }
        }

        // Python servers wrote the exception's repr, such as UniqueConstraintError('...').
        var open = trimmed.IndexOf('(', StringComparison.Ordinal);
        if (open > 0 && trimmed.EndsWith(')') && trimmed[..open].All(char.IsAsciiLetterOrDigit))
        {
            return (trimmed[..open], trimmed[(open + 1)..^1].Trim('\'', '"'));
        }

        return (null, trimmed.Length > 500 ? trimmed[..500] + "…" : trimmed);
    }
}
