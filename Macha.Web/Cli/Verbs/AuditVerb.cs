using System.CommandLine;
using System.Text.Json;

namespace Macha.Web.Cli.Verbs;

/// <summary><c>audit verify</c>: check the hash chains of the audit files.</summary>
internal static class AuditVerb
{
    public static Command Create(string name, CliContext context)
    {
        var verify = new Command("verify", "Verify the hash chains of decisions.jsonl and actions.jsonl. Exit code 1 when either is broken.");
        verify.SetAction(context.Run(async (_, client, output, cancellationToken) =>
        {
            var result = await client.GetAsync("api/audit/verify", cancellationToken);
            var intact = result.TryGetProperty("intact", out var value) && value.ValueKind == JsonValueKind.True;
            if (output.Json)
            {
                output.WriteJson(result);
            }
            else
            {
                WriteFile(output, result.GetProperty("decisions"));
                WriteFile(output, result.GetProperty("actions"));
            }

            return intact ? ExitCodes.Success : ExitCodes.Failure;
        }));

        var command = new Command(name, "Check Macha's audit files.");
        command.Subcommands.Add(verify);
        return command;
    }

    private static void WriteFile(CliOutput output, JsonElement file)
    {
        var path = file.Text("path");
        if (file.Text("exists") != "true")
        {
            output.WriteLine($"{path}: not written yet (intact, no lines)");
            return;
        }

        if (file.TryGetProperty("firstBreak", out var broken) && broken.ValueKind == JsonValueKind.Object)
        {
            output.WriteLine($"{path}: BROKEN at line {broken.Text("line")} ({broken.Text("kind")}): {broken.Text("message")}");
            return;
        }

        output.WriteLine($"{path}: intact, {file.Text("linesChecked")} lines checked");
    }
}
