using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using OllamaSharp.Models.Exceptions;

namespace Macha.Core.Analysis.ModelClient;

/// <summary>
/// Turns Ollama's HTTP error responses and the exceptions of HttpClient and OllamaSharp into
/// <see cref="ModelUnavailableException"/>. Messages quote at most <see cref="MaxQuotedErrorLength"/>
/// characters of Ollama's own error text and never the request.
/// </summary>
internal static partial class OllamaErrors
{
    public const int MaxQuotedErrorLength = 200;

    private const string ModelMissingWording = "not found, try pulling it first";
    private const string ToolsUnsupportedWording = "does not support tools";

    /// <summary>Classifies a non-success response by its status and its body.</summary>
    /// <param name="body">The body as Ollama sent it: {"error":"..."} on /api/*, {"error":{"message":...}} on /v1/*, or plain text.</param>
    public static ModelUnavailableException FromResponse(HttpStatusCode status, string body, Uri endpoint, string modelName)
    {
        var statusCode = (int)status;
        var errorText = ExtractErrorText(body);
        var address = DescribeEndpoint(endpoint);

        // Match the wording, not the quotes around the model name: older servers wrote 'name', newer "name".
        if (errorText.Contains(ModelMissingWording, StringComparison.OrdinalIgnoreCase)
            || (status == HttpStatusCode.NotFound && errorText.StartsWith("model ", StringComparison.OrdinalIgnoreCase) && errorText.Contains("not found", StringComparison.OrdinalIgnoreCase)))
        {
            return new ModelUnavailableException(
                ModelUnavailableReason.ModelMissing,
                modelName,
                $"Model '{modelName}' is not available on the Ollama server at {address} ({statusCode}). Run 'ollama pull {modelName}' on that host or set Macha:Analysis:Model to a pulled model.",
                statusCode);
        }

        if (errorText.Contains(ToolsUnsupportedWording, StringComparison.OrdinalIgnoreCase))
        {
            return new ModelUnavailableException(
                ModelUnavailableReason.ToolsUnsupported,
                modelName,
                $"Model '{modelName}' on the Ollama server at {address} does not support tools ({statusCode}). Set Macha:Analysis:Model to a tool-capable model, or send the request without tools.",
                statusCode);
        }

        if (statusCode >= 500)
        {
            return new ModelUnavailableException(
                ModelUnavailableReason.ServerError,
                modelName,
                $"The Ollama server at {address} failed to generate a response for model '{modelName}' ({statusCode}): {DescribeServerError(errorText)}",
                statusCode);
        }

        var hint = status == HttpStatusCode.NotFound
            ? " Check that Macha:Analysis:OllamaUrl points to an Ollama server."
            : " Sending the same request again cannot help.";
        return new ModelUnavailableException(
            ModelUnavailableReason.BadRequest,
            modelName,
            $"The Ollama server at {address} rejected the request for model '{modelName}' ({statusCode}): {Quote(errorText)}.{hint}",
            statusCode);
    }

    /// <summary>
    /// Classifies an exception thrown while sending a request or reading its response, or returns null
    /// when it is not a failure of Ollama: the caller's own cancellation, or a bug in Macha.
    /// </summary>
    /// <param name="callerToken">The caller's token; a cancellation that it did not request is a timeout.</param>
    public static ModelUnavailableException? FromException(Exception exception, Uri endpoint, string modelName, CancellationToken callerToken)
    {
        var address = DescribeEndpoint(endpoint);
        switch (exception)
        {
            case ModelClientException:
                return null;

            // HttpClient.Timeout surfaces as a cancellation that the caller did not request.
            case OperationCanceledException when !callerToken.IsCancellationRequested:
                return new ModelUnavailableException(
                    ModelUnavailableReason.Timeout,
                    modelName,
                    $"The Ollama server at {address} did not answer for model '{modelName}' within Macha:Analysis:RequestTimeout.",
                    innerException: exception);

            case HttpRequestException { StatusCode: { } status }:
                return FromResponse(status, string.Empty, endpoint, modelName);

            case HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded }:
            case IOException:
                return new ModelUnavailableException(
                    ModelUnavailableReason.Unreachable,
                    modelName,
                    $"The Ollama server at {address} closed the connection before its response for model '{modelName}' ended.",
                    innerException: exception);

            case HttpRequestException request when request.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
                or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError || request.InnerException is SocketException:
                return new ModelUnavailableException(
                    ModelUnavailableReason.Unreachable,
                    modelName,
                    $"Cannot connect to the Ollama server at {address}. Check that Ollama runs there and that Macha:Analysis:OllamaUrl is right.",
                    innerException: exception);

            case HttpRequestException:
            case JsonException:
                return MalformedResponse(exception, address, modelName);

            // OllamaSharp throws this when a response has no chunk with "done": true.
            case InvalidOperationException when exception.TargetSite?.DeclaringType?.Assembly == typeof(OllamaException).Assembly:
                return MalformedResponse(exception, address, modelName);

            case ModelDoesNotSupportToolsException:
            case OllamaException:
                return FromResponse(HttpStatusCode.BadRequest, exception.Message, endpoint, modelName);

            default:
                return null;
        }
    }

    /// <summary>Returns scheme, host and port only, so user names and passwords in the URL stay out of messages.</summary>
    public static string DescribeEndpoint(Uri endpoint) => $"{endpoint.Scheme}://{endpoint.Authority}";

    public static ModelUnavailableException TimedOut(Uri endpoint, string modelName, TimeSpan requestTimeout, Exception exception) => new(
        ModelUnavailableReason.Timeout,
        modelName,
        $"The Ollama server at {DescribeEndpoint(endpoint)} did not finish its response for model '{modelName}' within {requestTimeout}. A cold model can take minutes to load; raise Macha:Analysis:RequestTimeout if this repeats.",
        innerException: exception);

    public static ModelUnavailableException StreamEndedEarly(Uri endpoint, string modelName) => new(
        ModelUnavailableReason.ServerError,
        modelName,
        $"The Ollama server at {DescribeEndpoint(endpoint)} ended its response for model '{modelName}' without a final chunk; Ollama's log has the cause.");

    private static ModelUnavailableException MalformedResponse(Exception exception, string address, string modelName) => new(
        ModelUnavailableReason.ServerError,
        modelName,
        $"The Ollama server at {address} sent a malformed or incomplete response for model '{modelName}'. A tool call cut off by num_predict or the context size looks like this.",
        innerException: exception);

    private static string ExtractErrorText(string body)
    {
        var text = body.Trim();
        if (text.StartsWith('{'))
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error))
                {
                    if (error.ValueKind == JsonValueKind.String)
                    {
                        return error.GetString() ?? string.Empty;
                    }

                    if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                    {
                        return message.GetString() ?? string.Empty;
                    }
                }
            }
            catch (JsonException)
            {
                // Not JSON after all; the raw text is the best description there is.
            }
        }

        return text;
    }

    private static string DescribeServerError(string errorText)
    {
        // Go prints "%!w(<nil>)" when an error is formatted with a nil cause; it carries no meaning.
        var cleaned = GoFormatArtefact().Replace(errorText, string.Empty).Trim().TrimEnd(':').Trim();
        if (cleaned.Contains("runner process has terminated", StringComparison.OrdinalIgnoreCase))
        {
            var killed = cleaned.Contains("signal: killed", StringComparison.OrdinalIgnoreCase);
            return killed
                ? "the model runner was killed, most likely by the kernel's out-of-memory killer. Try a smaller model or a smaller Macha:Analysis:ContextTokens."
                : "the model runner process terminated. Ollama's log has the cause.";
        }

        return cleaned.Length == 0
            ? "no error text. Ollama's log has the cause; a tool call cut off by num_predict or the context size is one known cause."
            : Quote(cleaned) + ".";
    }

    private static string Quote(string errorText)
    {
        var singleLine = string.Join(' ', errorText.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        if (singleLine.Length == 0)
        {
            return "no error text";
        }

        return singleLine.Length <= MaxQuotedErrorLength
            ? $"\"{singleLine}\""
            : $"\"{singleLine[..MaxQuotedErrorLength]}…\"";
    }

    [GeneratedRegex(@"%!\w\([^)]*\)")]
    private static partial Regex GoFormatArtefact();
}
