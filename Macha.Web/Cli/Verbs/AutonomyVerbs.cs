using System.CommandLine;
using System.Text.Json;

namespace Macha.Web.Cli.Verbs;

/// <summary><c>status</c>, <c>pause</c> and <c>resume</c>: the instance's state and its autonomy switch.</summary>
internal static class AutonomyVerbs
{
    private const int MaxReasonLength = 500;

    public static Command CreateStatus(string name, CliContext context)
    {
        var command = new Command(name, "Show health, autonomy, the last health cycle, open incidents, pending approvals and the status of each dependency.");
        command.SetAction(context.Run(async (_, client, output, cancellationToken) =>
        {
            var health = await client.GetAsync("api/health", cancellationToken);
            var autonomy = await client.GetOptionalAsync("api/autonomy", cancellationToken);
            var dependencies = await client.GetOptionalAsync("api/dependencies", cancellationToken);
            var lastCycle = (await client.GetAsync("api/cycles?limit=1", cancellationToken)).Items().FirstOrDefault();
            var incidents = (await client.GetAsync("api/incidents?limit=500", cancellationToken)).Items().ToList();
            var pending = await client.GetAsync("api/approvals?state=Pending&pageSize=1", cancellationToken);

            if (output.Json)
            {
                output.WriteJson(new
                {
                    instance = client.Settings.BaseUrl.ToString(),
                    health,
                    autonomy,
                    dependencies,
                    lastCycle = lastCycle.ValueKind == JsonValueKind.Undefined ? (JsonElement?)null : lastCycle,
                    openIncidents = incidents.Count,
                    pendingApprovals = pending.TryGetProperty("totalCount", out var total) ? total.GetInt32() : 0,
                });
                return ExitCodes.Success;
            }

            output.WriteFields(
            [
                ("Instance", client.Settings.BaseUrl.ToString()),
                ("Health", health.Text("status")),
                ("Autonomy", autonomy is { } state ? DescribeAutonomy(state) : "unknown (this instance has no autonomy endpoint)"),
                ("Last cycle", lastCycle.ValueKind == JsonValueKind.Object
                    ? $"{lastCycle.Text("state")}, requested {lastCycle.Time("requestedAt")} ({lastCycle.Text("findingCount")} findings)"
                    : "none yet"),
                ("Open incidents", incidents.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("Pending approvals", pending.Text("totalCount")),
            ]);

            output.WriteLine();
            output.WriteTable(
                ["CHECK", "STATUS", "DETAIL"],
                health.GetProperty("checks").Items().Select(c => (IReadOnlyList<string>)[c.Text("name"), c.Text("status"), JsonText.OneLine(c.Text("description"), 100)]));

            if (dependencies is { } list && list.Items().Any())
            {
                output.WriteLine();
                output.WriteTable(
                    ["DEPENDENCY", "STATE", "CHECKED", "DETAIL"],
                    list.Items().Select(d => (IReadOnlyList<string>)[d.Text("name"), d.Text("state"), d.Time("checkedAt"), JsonText.OneLine(d.Text("detail"), 100)]));
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    public static Command CreatePause(string name, CliContext context)
    {
        var reason = new Option<string>("--reason", "-m") { Description = $"Why autonomy is paused, shown to others (at most {MaxReasonLength} characters)." };
        var command = new Command(name, "Pause autonomy at once: Macha only observes and proposes until resumed, across restarts.");
        command.Options.Add(reason);
        command.SetAction(context.Run(async (parsed, client, output, cancellationToken) =>
        {
            var state = await client.PostAsync("api/autonomy/pause", new { reason = parsed.GetValue(reason) }, cancellationToken);
            if (output.Json)
            {
                output.WriteJson(state);
            }
            else
            {
                output.WriteLine($"Autonomy paused: {DescribeAutonomy(state)}. Resume with '{MachaCli.ProgramName} resume'.");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    public static Command CreateResume(string name, CliContext context)
    {
        var command = new Command(name, "Resume autonomy at the configured level.");
        command.SetAction(context.Run(async (_, client, output, cancellationToken) =>
        {
            var state = await client.PostAsync("api/autonomy/resume", body: null, cancellationToken);
            if (output.Json)
            {
                output.WriteJson(state);
            }
            else
            {
                output.WriteLine($"Autonomy resumed: {DescribeAutonomy(state)}.");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static string DescribeAutonomy(JsonElement state)
    {
        var level = $"{state.Text("effectiveLevel")} (configured {state.Text("configuredLevel")})";
        if (state.Text("paused") != "true")
        {
            return level;
        }

        var reason = state.Text("reason") is { Length: > 0 } text ? $": {text}" : string.Empty;
        return $"{level}, paused by {state.Text("pausedBy")} at {state.Time("pausedAt")}{reason}";
    }
}
