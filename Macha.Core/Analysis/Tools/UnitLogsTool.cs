using System.Globalization;
using System.Text.Json;
using Macha.Core.Analysis.MapReduce;

namespace Macha.Core.Analysis.Tools;

/// <summary>Shows a unit's recent journal lines with <c>journalctl --unit</c>.</summary>
internal sealed class UnitLogsTool : IAnalysisTool
{
    /// <summary>journalctl's priority names, most severe first; a level includes every more severe one.</summary>
    public static readonly IReadOnlyList<string> Priorities = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

    private static readonly JsonElement Schema = ToolSchema.Parse($$"""
        {
          "type": "object",
          "properties": {
            {{UnitNameArgument.SchemaProperty}},
            {{ToolSchema.SinceMinutesProperty}},
            "priority": {
              "type": "string",
              "description": "Least severe priority to include; more severe ones are included too. Default info.",
              "enum": ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]
            },
            {{ToolSchema.MaxLinesProperty}}
          },
          "required": ["unit"],
          "additionalProperties": false
        }
        """);

    private readonly ToolOutputBudget _budget;

    public UnitLogsTool(LargeOutputCache? cache = null)
    {
        _budget = new ToolOutputBudget(cache);
    }

    public string Name => "unit_logs";

    public string Description =>
        "Returns the newest journal lines of one systemd unit within a time window, with ISO timestamps, "
        + "filtered by least severe priority. Use it to see why a unit failed or restarts.";

    public JsonElement ParameterSchema => Schema;

    public async Task<ToolOutput> InvokeAsync(ToolInvocation invocation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        cancellationToken.ThrowIfCancellationRequested();

        var arguments = ToolArguments.Read(Name, invocation.Arguments, "unit", "since_minutes", "priority", "max_lines");
        var unit = UnitNameArgument.Read(arguments);
        var sinceMinutes = arguments.Integer("since_minutes", 1, JournalWindow.MaxSinceMinutes, JournalWindow.DefaultSinceMinutes);
        var priority = arguments.Choice("priority", Priorities, "info");
        var maxLines = arguments.Integer("max_lines", 1, JournalWindow.MaxLines, JournalWindow.DefaultMaxLines);
        if (!arguments.IsValid || unit is null)
        {
            return arguments.ToInvalidOutput(Name);
        }

        // Every value is joined to its option with '=', so none can be read as an option of its own.
        var shell = invocation.Shell;
        var request = ToolCommands.Create(
            "journalctl",
            "--unit=" + unit,
            JournalWindow.SinceArgument(sinceMinutes),
            "--priority=" + priority,
            "--lines=" + maxLines.ToString(CultureInfo.InvariantCulture),
            "--output=short-iso",
            "--no-pager");
        var result = await shell.RunAsync(request, cancellationToken);
        if (!result.Succeeded)
        {
            return ToolCommands.Failed(shell, request, result);
        }

        var text = ToolOutputBudget.Sanitize(result.StandardOutput);
        if (text.Length == 0)
        {
            text = $"No journal lines of {unit} at priority {priority} or more severe in the last {sinceMinutes} minutes.";
        }

        if (ToolCommands.TruncationNote(request, result) is { } note)
        {
            text += "\n" + note;
        }

        return await _budget.FitAsync(text, ToolOutputBudget.SizeOf(result), $"unit_logs {unit} on {shell.HostName}", cancellationToken);
    }
}
