using System.Text.Json;
using System.Text.RegularExpressions;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Analysis.Decisions;

/// <summary>
/// Reads the model's final answer and checks it against the decision schema and the arguments each
/// action kind allows. Its error list goes back to the model once, for a repair attempt.
/// </summary>
internal static partial class DecisionValidator
{
    public const int MaxActions = 5;
    private const int MaxSummaryLength = 300;
    private const int MaxTextLength = 4000;

    private static readonly JsonSerializerOptions ReadOptions = new()
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = false,
    };

    /// <summary>Parses and validates; returns the decision, or null with at least one error.</summary>
    public static (AnalysisDecision? Decision, IReadOnlyList<string> Errors) Parse(string? content)
    {
        var json = ExtractJson(content);
        if (json is null)
        {
            return (null, ["The answer is not a JSON object. Reply with exactly one JSON object that matches the schema."]);
        }

        AnalysisDecision? decision;
        try
        {
            decision = JsonSerializer.Deserialize<AnalysisDecision>(json, ReadOptions);
        }
        catch (JsonException ex)
        {
            return (null, [$"The JSON does not match the schema: {ex.Message}"]);
        }

        if (decision is null)
        {
            return (null, ["The answer is JSON null, not a decision object."]);
        }

        var errors = Validate(decision);
        return errors.Count == 0 ? (decision, errors) : (null, errors);
    }

    public static List<string> Validate(AnalysisDecision decision)
    {
        var errors = new List<string>();
        RequireText(errors, "summary", decision.Summary, MaxSummaryLength);
        RequireText(errors, "diagnosis", decision.Diagnosis, MaxTextLength);
        RequireText(errors, "root_cause_hypothesis", decision.RootCauseHypothesis, MaxTextLength);
        if (double.IsNaN(decision.Confidence) || decision.Confidence is < 0 or > 1)
        {
            errors.Add($"confidence must be a number from 0 to 1; got {decision.Confidence}.");
        }

        if (decision.ProposedActions is null)
        {
            errors.Add("proposed_actions is missing; use [] when no action is needed.");
            return errors;
        }

        if (decision.ProposedActions.Count > MaxActions)
        {
            errors.Add($"proposed_actions has {decision.ProposedActions.Count} entries; propose at most {MaxActions}.");
        }

        for (var i = 0; i < decision.ProposedActions.Count; i++)
        {
            ValidateAction(errors, $"proposed_actions[{i}]", decision.ProposedActions[i]);
        }

        return errors;
    }

    /// <summary>
    /// Returns the JSON object of an answer, after removing a leading reasoning block (&lt;think&gt;)
    /// and one surrounding ```json fence. Anything else around the object makes it not an answer.
    /// </summary>
    internal static string? ExtractJson(string? content)
    {
        if (string.IsNullOrWhiteSpace(content))
        {
            return null;
        }

        var text = content.Trim();
        var thinkEnd = text.IndexOf("</think>", StringComparison.Ordinal);
        if (text.StartsWith("<think>", StringComparison.Ordinal) && thinkEnd >= 0)
        {
            text = text[(thinkEnd + "</think>".Length)..].Trim();
        }

        var fence = Fence().Match(text);
        if (fence.Success)
        {
            text = fence.Groups["body"].Value.Trim();
        }

        return text.StartsWith('{') && text.EndsWith('}') ? text : null;
    }

    private static void ValidateAction(List<string> errors, string path, ProposedAction action)
    {
        if (action is null)
        {
            errors.Add($"{path} is null.");
            return;
        }

        RequireText(errors, $"{path}.reason", action.Reason, MaxTextLength);
        RequireText(errors, $"{path}.expected_effect", action.ExpectedEffect, MaxTextLength);
        RequireText(errors, $"{path}.undo", action.Undo, MaxTextLength);

        var allowed = action.Kind switch
        {
            ActionKinds.RestartUnit or ActionKinds.ResetFailedUnit => ["unit"],
            ActionKinds.VacuumJournal => ["journal_max_size"],
            ActionKinds.CollectNixGarbage => ["older_than_days"],
            ActionKinds.RebuildNixos => ["flake_ref"],
            ActionKinds.RollbackNixos => [],
            ActionKinds.RunDiagnostic => ["diagnostic", "unit"],
            ActionKinds.DescribeConfigChange => ["change_description"],
            _ => (string[]?)null,
        };
        if (allowed is null)
        {
            errors.Add($"{path}.kind '{action.Kind}' is not a known action; use one of: {string.Join(", ", ActionKinds.All)}.");
            return;
        }

        foreach (var (field, present) in PresentArguments(action))
        {
            if (present && !allowed.Contains(field))
            {
                errors.Add($"{path}.{field} does not belong to {action.Kind}; remove it.");
            }
        }

        switch (action.Kind)
        {
            case ActionKinds.RestartUnit or ActionKinds.ResetFailedUnit:
                RequireUnit(errors, path, action.Unit);
                break;
            case ActionKinds.VacuumJournal when action.JournalMaxSize is null || !JournalSize().IsMatch(action.JournalMaxSize):
                errors.Add($"{path}.journal_max_size must be a size such as \"500M\" or \"2G\"; got {Quote(action.JournalMaxSize)}.");
                break;
            case ActionKinds.CollectNixGarbage when action.OlderThanDays is not (>= 1 and <= 3650):
                errors.Add($"{path}.older_than_days must be a whole number of days from 1 to 3650; got {action.OlderThanDays?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "nothing"}.");
                break;
            case ActionKinds.RebuildNixos when action.FlakeRef is null || !FlakeReference().IsMatch(action.FlakeRef):
                errors.Add($"{path}.flake_ref must be a flake reference such as \"/etc/nixos#web-1\" without spaces or shell characters; got {Quote(action.FlakeRef)}.");
                break;
            case ActionKinds.RunDiagnostic:
                if (action.Diagnostic is null || !ActionKinds.Diagnostics.Contains(action.Diagnostic))
                {
                    errors.Add($"{path}.diagnostic must be one of: {string.Join(", ", ActionKinds.Diagnostics)}; got {Quote(action.Diagnostic)}.");
                }

                if (action.Unit is not null)
                {
                    RequireUnit(errors, path, action.Unit);
                }

                break;
            case ActionKinds.DescribeConfigChange:
                RequireText(errors, $"{path}.change_description", action.ChangeDescription, MaxTextLength);
                break;
        }
    }

    private static IEnumerable<(string Field, bool Present)> PresentArguments(ProposedAction action)
    {
        yield return ("unit", action.Unit is not null);
        yield return ("journal_max_size", action.JournalMaxSize is not null);
        yield return ("older_than_days", action.OlderThanDays is not null);
        yield return ("flake_ref", action.FlakeRef is not null);
        yield return ("diagnostic", action.Diagnostic is not null);
        yield return ("change_description", action.ChangeDescription is not null);
    }

    private static void RequireUnit(List<string> errors, string path, string? unit)
    {
        if (!SystemdUnitName.IsValid(unit))
        {
            errors.Add($"{path}.unit must be a systemd unit name with its type suffix, such as \"nginx.service\"; got {Quote(unit)}.");
        }
    }

    private static void RequireText(List<string> errors, string path, string? text, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add($"{path} is missing or empty.");
        }
        else if (text.Length > maxLength)
        {
            errors.Add($"{path} has {text.Length} characters; keep it under {maxLength}.");
        }
    }

    private static string Quote(string? value) => value is null ? "nothing" : $"\"{Monitoring.CollectorStatus.Excerpt(value)}\"";

    [GeneratedRegex(@"^```(?:json)?\s*\n(?<body>[\s\S]*)\n```$", RegexOptions.CultureInvariant)]
    private static partial Regex Fence();

    [GeneratedRegex(@"^[1-9][0-9]{0,5}[KMG]$", RegexOptions.CultureInvariant)]
    private static partial Regex JournalSize();

    // A path or URL-like flake, '#', and an attribute name: no whitespace, quotes or shell characters.
    [GeneratedRegex(@"^[A-Za-z0-9_./:+~@=?&-]{1,200}#[A-Za-z0-9_.-]{1,100}$", RegexOptions.CultureInvariant)]
    private static partial Regex FlakeReference();
}
