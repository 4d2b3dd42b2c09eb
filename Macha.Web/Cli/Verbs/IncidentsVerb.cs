using System.CommandLine;

namespace Macha.Web.Cli.Verbs;

/// <summary><c>incidents</c>: list incidents, show one, and discuss one with the model.</summary>
internal static class IncidentsVerb
{
    public static Command Create(string name, CliContext context)
    {
        var command = new Command(name, "List incidents, show one with its analyses, or discuss one with the model.");
        command.Subcommands.Add(CreateList(context));
        command.Subcommands.Add(CreateShow(context));
        command.Subcommands.Add(ApproveVerb.CreateDiscuss(context, "incidents", IdArgument()));
        return command;
    }

    private static Argument<Guid> IdArgument() => new("id") { Description = "The incident's id, as 'list' shows it." };

    private static Command CreateList(CliContext context)
    {
        var state = new Option<string>("--state") { Description = "Open, Ongoing or Resolved. Default: the open and ongoing incidents." };
        var host = new Option<string>("--host") { Description = "Only incidents of this host." };
        var severity = new Option<string>("--severity") { Description = "Only this severity: Info, Warning or Critical." };
        var limit = new Option<int>("--limit", "-n") { Description = "Most incidents to list, most recently changed first (1 to 500).", DefaultValueFactory = _ => 50 };
        var command = new Command("list", "List incidents, most recently changed first; by default the open and ongoing ones.");
        command.Options.Add(state);
        command.Options.Add(host);
        command.Options.Add(severity);
        command.Options.Add(limit);
        command.SetAction(context.Run(async (parsed, client, output, cancellationToken) =>
        {
            var query = new List<string> { $"limit={parsed.GetValue(limit)}" };
            AddQuery(query, "state", parsed.GetValue(state));
            AddQuery(query, "host", parsed.GetValue(host));
            AddQuery(query, "severity", parsed.GetValue(severity));
            var incidents = await client.GetAsync($"api/incidents?{string.Join('&', query)}", cancellationToken);
            if (output.Json)
            {
                output.WriteJson(incidents);
                return ExitCodes.Success;
            }

            var items = incidents.Items().ToList();
            if (items.Count == 0)
            {
                output.WriteLine("No incidents.");
                return ExitCodes.Success;
            }

            output.WriteTable(
                ["ID", "STATE", "SEVERITY", "HOST", "CHANGED", "SUMMARY"],
                items.Select(i => (IReadOnlyList<string>)[i.Text("id"), i.Text("state"), i.Text("severity"), i.Text("hostName"), i.Time("changedAt"), JsonText.OneLine(i.Text("summary"), 80)]));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command CreateShow(CliContext context)
    {
        var id = IdArgument();
        var command = new Command("show", "Show one incident: its evidence, how long it has lasted, and the model's analyses, newest first. Exit code 3 when there is no such incident.");
        command.Arguments.Add(id);
        command.SetAction(context.Run(async (parsed, client, output, cancellationToken) =>
        {
            var incident = await client.GetAsync($"api/incidents/{parsed.GetValue(id)}", cancellationToken);
            var analyses = await client.GetAsync($"api/incidents/{parsed.GetValue(id)}/analyses", cancellationToken);
            if (output.Json)
            {
                output.WriteJson(new { incident, analyses });
                return ExitCodes.Success;
            }

            output.WriteFields(
            [
                ("Incident", incident.Text("id")),
                ("State", incident.Text("state")),
                ("Severity", incident.Text("severity")),
                ("Host", incident.Text("hostName")),
                ("Kind", incident.Text("kind")),
                ("Subject", incident.Text("subject")),
                ("Summary", incident.Text("summary")),
                ("Evidence", ApproveVerb.NullIfEmpty(incident.Text("evidence"))),
                ("Opened", incident.Time("openedAt")),
                ("Last seen", incident.Time("lastSeenAt")),
                ("Resolved", ApproveVerb.NullIfEmpty(incident.Time("resolvedAt"))),
                ("Cycles seen", incident.Text("cyclesSeen")),
            ]);
            var items = analyses.Items().ToList();
            output.WriteLine();
            output.WriteLine(items.Count == 0 ? "No analyses yet." : $"Analyses ({items.Count}), newest first:");
            foreach (var analysis in items)
            {
                output.WriteLine($"- [{analysis.Time("requestedAt")}] {analysis.Text("state")}: {JsonText.OneLine(Diagnosis(analysis), 120)}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>Returns the decision's diagnosis, or the reason an analysis has none (such as "model unreachable").</summary>
    private static string Diagnosis(System.Text.Json.JsonElement analysis) =>
        analysis.TryGetProperty("decision", out var decision) && decision.Text("diagnosis") is { Length: > 0 } diagnosis
            ? diagnosis
            : analysis.Text("reason");

    private static void AddQuery(List<string> query, string name, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            query.Add($"{name}={Uri.EscapeDataString(value)}");
        }
    }
}
