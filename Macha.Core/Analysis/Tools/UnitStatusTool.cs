using System.Text;
using System.Text.Json;
using Macha.Core.Analysis.MapReduce;

namespace Macha.Core.Analysis.Tools;

/// <summary>Shows a unit's state with <c>systemctl status</c> and a fixed set of <c>systemctl show</c> properties.</summary>
internal sealed class UnitStatusTool : IAnalysisTool
{
    /// <summary>Properties read with systemctl show, as one --property= value.</summary>
    public const string Properties =
        "Id,Description,LoadState,ActiveState,SubState,UnitFileState,Result,MainPID,ExecMainCode,ExecMainStatus,"
        + "NRestarts,Restart,ActiveEnterTimestamp,InactiveEnterTimestamp,StateChangeTimestamp,MemoryCurrent,"
        + "TasksCurrent,FragmentPath,TriggeredBy,ConditionResult";

    private static readonly JsonElement Schema = ToolSchema.Parse($$"""
        {
          "type": "object",
          "properties": {
            {{UnitNameArgument.SchemaProperty}}
          },
          "required": ["unit"],
          "additionalProperties": false
        }
        """);

    private readonly ToolOutputBudget _budget;

    public UnitStatusTool(LargeOutputCache? cache = null)
    {
        _budget = new ToolOutputBudget(cache);
    }

    public string Name => "unit_status";

    public string Description =>
        "Shows the current state of one systemd unit: active state, sub-state, result, main PID, restart count, "
        + "when it last changed state and its unit file. Does not show logs; use unit_logs for those.";

    public JsonElement ParameterSchema => Schema;

    public async Task<ToolOutput> InvokeAsync(ToolInvocation invocation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        cancellationToken.ThrowIfCancellationRequested();

        var arguments = ToolArguments.Read(Name, invocation.Arguments, "unit");
        var unit = UnitNameArgument.Read(arguments);
        if (!arguments.IsValid || unit is null)
        {
            return arguments.ToInvalidOutput(Name);
        }

        var shell = invocation.Shell;
        var status = ToolCommands.Create("systemctl", "status", "--no-pager", "--lines=0", "--", unit);
        var statusResult = await shell.RunAsync(status, cancellationToken);

        // systemctl status exits 3 for an inactive or failed unit and 4 for an unknown one. Its
        // output describes those states, so only a command that did not run is a failure.
        if (!ToolCommands.Ran(statusResult))
        {
            return ToolCommands.Failed(shell, status, statusResult);
        }

        var show = ToolCommands.Create("systemctl", "show", "--property=" + Properties, "--", unit);
        var showResult = await shell.RunAsync(show, cancellationToken);

        var text = new StringBuilder();
        text.Append("$ ").AppendLine(status.DisplayText);
        text.AppendLine(ToolOutputBudget.Sanitize(statusResult.StandardOutput));
        if (ToolCommands.ErrorText(statusResult) is { } statusError)
        {
            text.AppendLine(statusError);
        }

        text.AppendLine().Append("$ ").AppendLine(show.DisplayText);
        text.AppendLine(showResult.Succeeded
            ? ToolOutputBudget.Sanitize(showResult.StandardOutput)
            : ToolCommands.Describe(shell, show, showResult));

        var outputBytes = ToolOutputBudget.SizeOf(statusResult) + ToolOutputBudget.SizeOf(showResult);
        return await _budget.FitAsync(text.ToString().TrimEnd(), outputBytes, $"unit_status {unit} on {shell.HostName}", cancellationToken);
    }
}
