using System.Text.Json;

namespace Macha.Core.Analysis.Tools;

/// <summary>Builds the JSON schemas that tools declare to the model.</summary>
internal static class ToolSchema
{
    /// <summary>Parses a schema once, into an element that outlives its document.</summary>
    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>The schema property of a time window that ends now.</summary>
    public const string SinceMinutesProperty = """
        "since_minutes": {
          "type": "integer",
          "description": "How far back to look, in minutes, from 1 to 10080 (7 days). Default 60.",
          "minimum": 1,
          "maximum": 10080
        }
        """;

    /// <summary>The schema property of a line limit.</summary>
    public const string MaxLinesProperty = """
        "max_lines": {
          "type": "integer",
          "description": "Most lines to return, the newest ones, from 1 to 500. Default 100.",
          "minimum": 1,
          "maximum": 500
        }
        """;
}
