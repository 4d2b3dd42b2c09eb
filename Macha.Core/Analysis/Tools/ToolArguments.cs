using System.Globalization;
using System.Text.Json;

namespace Macha.Core.Analysis.Tools;

/// <summary>
/// Reads and checks the arguments object of one tool call. Each problem is collected as a sentence
/// that names what the model should send instead, so one reply can fix every argument at once.
/// </summary>
/// <remarks>
/// A JSON null counts as an omitted optional argument, because small models often send null for
/// arguments they do not use. Numbers must be JSON integers; the string "60" is rejected.
/// </remarks>
internal sealed class ToolArguments
{
    private readonly JsonElement _arguments;
    private readonly List<string> _errors = [];

    private ToolArguments(JsonElement arguments)
    {
        _arguments = arguments;
    }

    public bool IsValid => _errors.Count == 0;

    /// <summary>Starts reading <paramref name="arguments"/>, rejecting any property not in <paramref name="knownNames"/>.</summary>
    public static ToolArguments Read(string toolName, JsonElement arguments, params string[] knownNames)
    {
        // The analyst always sends an object; an absent arguments value means no arguments.
        if (arguments.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return new ToolArguments(default);
        }

        var reader = new ToolArguments(arguments);
        if (arguments.ValueKind != JsonValueKind.Object)
        {
            reader._errors.Add($"The arguments of {toolName} must be a JSON object; got a JSON {Describe(arguments.ValueKind)}.");
            return reader;
        }

        foreach (var property in arguments.EnumerateObject())
        {
            if (!knownNames.Contains(property.Name, StringComparer.Ordinal))
            {
                var allowed = knownNames.Length == 0 ? "it takes no arguments" : "use only " + string.Join(", ", knownNames);
                reader._errors.Add($"Unknown argument '{Printable(property.Name)}' for {toolName}; {allowed}.");
            }
        }

        return reader;
    }

    /// <summary>Reads a required string; records an error and returns null when it is missing or not a string.</summary>
    public string? RequiredString(string name)
    {
        if (!TryGet(name, out var value))
        {
            _errors.Add($"Argument '{name}' is missing; it is required.");
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            _errors.Add($"Argument '{name}' must be a string; got a JSON {Describe(value.ValueKind)}.");
            return null;
        }

        return value.GetString();
    }

    /// <summary>Reads an optional integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int Integer(string name, int min, int max, int defaultValue)
    {
        if (!TryGet(name, out var value))
        {
            return defaultValue;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
        {
            _errors.Add($"Argument '{name}' must be a whole number from {min} to {max}; got {Excerpt(value)}.");
            return defaultValue;
        }

        if (number < min || number > max)
        {
            _errors.Add(string.Create(CultureInfo.InvariantCulture, $"Argument '{name}' must be from {min} to {max}; got {number}."));
            return defaultValue;
        }

        return (int)number;
    }

    /// <summary>Reads an optional string that must be one of <paramref name="allowed"/>, compared exactly.</summary>
    public string Choice(string name, IReadOnlyList<string> allowed, string defaultValue)
    {
        if (!TryGet(name, out var value))
        {
            return defaultValue;
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        if (text is null || !allowed.Contains(text, StringComparer.Ordinal))
        {
            _errors.Add($"Argument '{name}' must be one of {string.Join(", ", allowed)}; got {Excerpt(value)}.");
            return defaultValue;
        }

        return text;
    }

    /// <summary>Records a problem found by a tool's own checks of a value.</summary>
    public void AddError(string message) => _errors.Add(message);

    /// <summary>The output that reports every problem found.</summary>
    public ToolOutput ToInvalidOutput(string toolName) =>
        ToolOutput.Invalid($"Invalid arguments for {toolName}: {string.Join(" ", _errors)} Nothing was run.");

    /// <summary>Quotes a value from the model for an error message, without control characters and at most 80 chars.</summary>
    public static string Printable(string text)
    {
        var cleaned = new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return cleaned.Length > 80 ? cleaned[..80] + "…" : cleaned;
    }

    private bool TryGet(string name, out JsonElement value)
    {
        value = default;
        return _arguments.ValueKind == JsonValueKind.Object
            && _arguments.TryGetProperty(name, out value)
            && value.ValueKind != JsonValueKind.Null;
    }

    private static string Excerpt(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? $"the string '{Printable(value.GetString()!)}'" : Printable(value.GetRawText());

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Object => "object",
        _ => "null",
    };
}
