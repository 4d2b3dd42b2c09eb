using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Macha.Core.Analysis.ModelClient;

/// <summary>
/// Recovers tool calls that a model wrote as text in message.content instead of message.tool_calls,
/// as qwen3, llama3.x and mistral do under some Ollama versions. The rule is strict so that prose never
/// becomes a call: after trimming and removing one surrounding ``` or ```json fence, the whole content
/// must be one or more JSON objects, separated by whitespace at most, each with a "name" that is a
/// declared tool and an object in "arguments" or "parameters" (missing means no arguments). If any part
/// fails the rule, nothing is recovered.
/// </summary>
internal static class TextToolCallParser
{
    private const string Fence = "```";

    /// <summary>Returns the recovered calls, or null when the content must stay text.</summary>
    public static IReadOnlyList<FunctionCallContent>? TryParse(string? content, IReadOnlySet<string> declaredToolNames)
    {
        if (string.IsNullOrWhiteSpace(content) || declaredToolNames.Count == 0)
        {
            return null;
        }

        var json = RemoveFence(content.Trim());
        if (json is null || json.Length == 0 || json[0] != '{')
        {
            return null;
        }

        try
        {
            return ReadCalls(Encoding.UTF8.GetBytes(json), declaredToolNames);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Returns the text inside one surrounding fence, the text itself when it has none, or null for other fence shapes.</summary>
    private static string? RemoveFence(string text)
    {
        if (!text.StartsWith(Fence, StringComparison.Ordinal))
        {
            return text;
        }

        if (text.Length < 2 * Fence.Length || !text.EndsWith(Fence, StringComparison.Ordinal))
        {
            return null;
        }

        var inner = text[Fence.Length..^Fence.Length];
        var firstLineEnd = inner.IndexOf('\n', StringComparison.Ordinal);
        if (firstLineEnd < 0)
        {
            return null;
        }

        // The fence's info string may only name JSON; a fence for another language is not a call.
        var infoString = inner[..firstLineEnd].Trim();
        if (infoString.Length > 0 && !infoString.Equals("json", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var body = inner[(firstLineEnd + 1)..].Trim();
        return body.Contains(Fence, StringComparison.Ordinal) ? null : body;
    }

    private static List<FunctionCallContent>? ReadCalls(byte[] utf8, IReadOnlySet<string> declaredToolNames)
    {
        // Several top-level values ("{...} {...}") are not one JSON document, so JsonDocument.Parse
        // rejects them; the reader with AllowMultipleValues reads them one after another.
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { AllowMultipleValues = true });
        var calls = new List<FunctionCallContent>();
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            using var document = JsonDocument.ParseValue(ref reader);
            var call = ToCall(document.RootElement, declaredToolNames);
            if (call is null)
            {
                return null;
            }

            calls.Add(call);
        }

        return calls.Count > 0 ? calls : null;
    }

    private static FunctionCallContent? ToCall(JsonElement value, IReadOnlySet<string> declaredToolNames)
    {
        if (!value.TryGetProperty("name", out var nameElement)
            || nameElement.ValueKind != JsonValueKind.String
            || nameElement.GetString() is not { } name
            || !declaredToolNames.Contains(name))
        {
            return null;
        }

        var hasArguments = value.TryGetProperty("arguments", out var arguments);
        if (!hasArguments && !value.TryGetProperty("parameters", out arguments))
        {
            return new FunctionCallContent(NewCallId(), name, new Dictionary<string, object?>());
        }

        if (arguments.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var argumentValues = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in arguments.EnumerateObject())
        {
            argumentValues[property.Name] = property.Value.Clone();
        }

        return new FunctionCallContent(NewCallId(), name, argumentValues);
    }

    // Ollama's /api/chat sends no call ids, and OllamaSharp makes random ones; recovered calls get the same kind.
    private static string NewCallId() => Guid.NewGuid().ToString("N")[..12];
}
