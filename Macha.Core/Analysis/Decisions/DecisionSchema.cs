using System.Text.Json;
using System.Text.Json.Nodes;

namespace Macha.Core.Analysis.Decisions;

/// <summary>
/// The JSON schema sent in Ollama's <c>format</c> field for the final answer. It constrains the
/// shape; <see cref="DecisionValidator"/> still checks every value, since a schema is a request to
/// the model, not a guarantee.
/// </summary>
internal static class DecisionSchema
{
    public static JsonElement Schema { get; } = Build();

    private static JsonElement Build()
    {
        var text = new JsonObject { ["type"] = "string" };
        var action = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["kind"] = new JsonObject { ["type"] = "string", ["enum"] = ToArray(ActionKinds.All) },
                ["unit"] = text.DeepClone(),
                ["journal_max_size"] = new JsonObject { ["type"] = "string", ["pattern"] = "^[1-9][0-9]{0,5}[KMG]$" },
                ["older_than_days"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 3650 },
                ["flake_ref"] = text.DeepClone(),
                ["diagnostic"] = new JsonObject { ["type"] = "string", ["enum"] = ToArray(ActionKinds.Diagnostics) },
                ["change_description"] = text.DeepClone(),
                ["reason"] = text.DeepClone(),
                ["expected_effect"] = text.DeepClone(),
                ["undo"] = text.DeepClone(),
            },
            ["required"] = ToArray(["kind", "reason", "expected_effect", "undo"]),
            ["additionalProperties"] = false,
        };

        var decision = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["summary"] = text.DeepClone(),
                ["diagnosis"] = text.DeepClone(),
                ["confidence"] = new JsonObject { ["type"] = "number", ["minimum"] = 0, ["maximum"] = 1 },
                ["root_cause_hypothesis"] = text.DeepClone(),
                ["proposed_actions"] = new JsonObject { ["type"] = "array", ["items"] = action, ["maxItems"] = DecisionValidator.MaxActions },
            },
            ["required"] = ToArray(["summary", "diagnosis", "confidence", "root_cause_hypothesis", "proposed_actions"]),
            ["additionalProperties"] = false,
        };

        return JsonSerializer.SerializeToElement(decision);
    }

    private static JsonArray ToArray(IEnumerable<string> values) => new([.. values.Select(value => JsonValue.Create(value))]);
}
