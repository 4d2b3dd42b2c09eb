using System.Globalization;
using System.Text;
using System.Text.Json;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Analysis.Tools;

/// <summary>Lists the processes that use the most CPU or memory, from one run of procps ps.</summary>
/// <remarks>
/// Only the command name (comm) is shown, never the command line, because arguments can carry
/// passwords and tokens that must not reach the prompt.
/// </remarks>
internal sealed class TopProcessesTool : IAnalysisTool
{
    public const int MaxCount = 20;
    public const int DefaultCount = 10;

    private static readonly string[] Orders = ["cpu", "memory"];

    private static readonly JsonElement Schema = ToolSchema.Parse("""
        {
          "type": "object",
          "properties": {
            "by": {
              "type": "string",
              "description": "Order by CPU use (percent over each process's lifetime) or by resident memory. Default cpu.",
              "enum": ["cpu", "memory"]
            },
            "count": {
              "type": "integer",
              "description": "Number of processes to list, from 1 to 20. Default 10.",
              "minimum": 1,
              "maximum": 20
            }
          },
          "additionalProperties": false
        }
        """);

    public string Name => "top_processes";

    public string Description =>
        "Lists the processes using the most CPU or memory: PID, user, %CPU averaged over the process's lifetime, "
        + "resident memory, state and command name.";

    public JsonElement ParameterSchema => Schema;

    public async Task<ToolOutput> InvokeAsync(ToolInvocation invocation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        cancellationToken.ThrowIfCancellationRequested();

        var arguments = ToolArguments.Read(Name, invocation.Arguments, "by", "count");
        var by = arguments.Choice("by", Orders, "cpu");
        var count = arguments.Integer("count", 1, MaxCount, DefaultCount);
        if (!arguments.IsValid)
        {
            return arguments.ToInvalidOutput(Name);
        }

        // The columns PsOutputParser reads; sorting happens here, so no ps sort option is needed.
        var shell = invocation.Shell;
        var request = ToolCommands.Create("ps", "-e", "-o", "pid=,user:32=,pcpu=,rss=,stat=,comm=");
        var result = await shell.RunAsync(request, cancellationToken);
        if (!result.Succeeded)
        {
            return ToolCommands.Failed(shell, request, result);
        }

        var table = PsOutputParser.Parse(result.StandardOutput);
        if (table.Rows.Count == 0)
        {
            return new ToolOutput(false, $"On host {shell.HostName}, {request.DisplayText} printed no process lines that could be read.", ToolOutputBudget.SizeOf(result));
        }

        var top = (by == "cpu"
                ? table.Rows.OrderByDescending(row => row.CpuPercent).ThenByDescending(row => row.ResidentBytes)
                : table.Rows.OrderByDescending(row => row.ResidentBytes).ThenByDescending(row => row.CpuPercent))
            .Take(count)
            .ToList();

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{top.Count} of {table.Rows.Count} processes by {by}:");
        text.AppendLine("PID\tUSER\t%CPU\tRSS_MiB\tSTATE\tCOMMAND");
        foreach (var row in top)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{row.ProcessId}\t{row.User}\t{row.CpuPercent:0.0}\t{row.ResidentBytes / (1024.0 * 1024):0.0}\t{row.State}\t{row.Name}");
        }

        // Rows are at most 20 short lines, far below the output budget.
        return new ToolOutput(true, ToolOutputBudget.Sanitize(text.ToString()), ToolOutputBudget.SizeOf(result));
    }
}
