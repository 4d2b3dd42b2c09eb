using System.CommandLine;

namespace Macha.Web.Cli.Verbs;

/// <summary><c>settings</c>: print the configuration the instance runs with, secrets hidden.</summary>
internal static class SettingsVerb
{
    public static Command Create(string name, CliContext context)
    {
        var filter = new Argument<string>("filter")
        {
            Description = "Print only keys that contain this text, ignoring case, such as Notifications.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command(name, "Print the configuration the instance runs with, defaults included; secret values are hidden.");
        command.Arguments.Add(filter);
        command.SetAction(context.Run(async (parsed, client, output, cancellationToken) =>
        {
            var settings = await client.GetAsync("api/settings", cancellationToken);
            var text = parsed.GetValue(filter);
            var rows = settings.Items()
                .Where(row => string.IsNullOrWhiteSpace(text) || row.Text("key").Contains(text.Trim(), StringComparison.OrdinalIgnoreCase))
                .ToList();
            if (output.Json)
            {
                output.WriteJson(rows);
                return ExitCodes.Success;
            }

            if (rows.Count == 0)
            {
                output.WriteLine("No setting matches.");
                return ExitCodes.Success;
            }

            output.WriteTable(
                ["KEY", "SOURCE", "VALUE"],
                rows.Select(row => (IReadOnlyList<string>)[row.Text("key"), row.Text("isSet") == "true" ? "set" : "default", JsonText.OneLine(row.Text("value"), 100)]));
            return ExitCodes.Success;
        }));
        return command;
    }
}
