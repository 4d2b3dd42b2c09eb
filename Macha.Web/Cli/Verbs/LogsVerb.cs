using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;

namespace Macha.Web.Cli.Verbs;

/// <summary>
/// <c>logs</c>: print and follow what Macha records. decisions and actions read the audit files
/// through the API, orchestrator the health cycle runs, and service the systemd journal of the
/// local machine.
/// </summary>
internal static class LogsVerb
{
    public const string ServiceUnit = "macha-autonomous";

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    public static Command Create(string name, CliContext context)
    {
        var command = new Command(name, "Print or follow Macha's decisions, actions, health cycles or service log.");
        command.Subcommands.Add(CreateAudit(context, "decisions", "Print the newest lines of decisions.jsonl: what Macha or the model decided, and why."));
        command.Subcommands.Add(CreateAudit(context, "actions", "Print the newest lines of actions.jsonl: every action outcome, approval and refusal."));
        command.Subcommands.Add(CreateOrchestrator(context));
        command.Subcommands.Add(CreateService(context));
        return command;
    }

    private static Option<bool> FollowOption() => new("--follow", "-f") { Description = "Keep printing new lines as they come, until Ctrl+C." };

    private static Option<int> LimitOption() => new("--lines", "-n")
    {
        Description = "Newest lines to print first (1 to 500).",
        DefaultValueFactory = _ => 20,
        Validators =
        {
            result =>
            {
                if (result.GetValueOrDefault<int>() is < 1 or > 500)
                {
                    result.AddError("--lines must be between 1 and 500.");
                }
            },
        },
    };

    private static Command CreateAudit(CliContext context, string file, string description)
    {
        var follow = FollowOption();
        var lines = LimitOption();
        var type = new Option<string>("--type") { Description = "Only this type, such as action.failed, or a prefix ending in a dot, such as approval." };
        var host = new Option<string>("--host") { Description = "Only lines about this managed host." };

        var command = new Command(file, description + " Read through the API, so it works from any machine that reaches the instance.");
        command.Options.Add(follow);
        command.Options.Add(lines);
        command.Options.Add(type);
        command.Options.Add(host);
        command.SetAction(context.Run(async (parsed, client, output, cancellationToken) =>
        {
            var filter = string.Empty;
            if (parsed.GetValue(type) is { Length: > 0 } typeValue)
            {
                filter += $"&type={Uri.EscapeDataString(typeValue)}";
            }

            if (parsed.GetValue(host) is { Length: > 0 } hostValue)
            {
                filter += $"&host={Uri.EscapeDataString(hostValue)}";
            }

            var newest = (await client.GetAsync($"api/{file}?limit={parsed.GetValue(lines)}{filter}", cancellationToken)).Items().Reverse().ToList();
            var last = 0L;
            foreach (var line in newest)
            {
                WriteAuditLine(output, line);
                last = line.GetProperty("seq").GetInt64();
            }

            if (!parsed.GetValue(follow))
            {
                return ExitCodes.Success;
            }

            while (true)
            {
                await Task.Delay(PollInterval, cancellationToken);
                foreach (var line in (await client.GetAsync($"api/{file}?after={last}&limit=500{filter}", cancellationToken)).Items())
                {
                    WriteAuditLine(output, line);
                    last = line.GetProperty("seq").GetInt64();
                }

                await output.Writer.FlushAsync(cancellationToken);
            }
        }));
        return command;
    }

    private static Command CreateOrchestrator(CliContext context)
    {
        var follow = FollowOption();
        var lines = LimitOption();
        var command = new Command("orchestrator", "Print the newest health cycle runs: trigger, state, duration, hosts and findings. With --follow, each start and end as it happens.");
        command.Options.Add(follow);
        command.Options.Add(lines);
        command.SetAction(context.Run(async (parsed, client, output, cancellationToken) =>
        {
            // A run is printed again when its state changes, so a follower gets Queued, Running and the end.
            var printed = new HashSet<(string Id, string State)>();
            var runs = (await client.GetAsync($"api/cycles?limit={parsed.GetValue(lines)}", cancellationToken)).Items().Reverse().ToList();
            foreach (var run in runs)
            {
                WriteRun(output, run);
                printed.Add((run.Text("id"), run.Text("state")));
            }

            if (!parsed.GetValue(follow))
            {
                return ExitCodes.Success;
            }

            while (true)
            {
                await Task.Delay(PollInterval, cancellationToken);
                foreach (var run in (await client.GetAsync("api/cycles?limit=20", cancellationToken)).Items().Reverse())
                {
                    if (printed.Add((run.Text("id"), run.Text("state"))))
                    {
                        WriteRun(output, run);
                    }
                }

                await output.Writer.FlushAsync(cancellationToken);
            }
        }));
        return command;
    }

    private static Command CreateService(CliContext context)
    {
        var follow = FollowOption();
        var lines = LimitOption();
        var unit = new Option<string>("--unit") { Description = "The systemd unit Macha runs as.", DefaultValueFactory = _ => ServiceUnit };
        var command = new Command("service", $"Print the service's own log from the systemd journal of this machine (journalctl -u {ServiceUnit}); only where Macha runs under systemd.");
        command.Options.Add(follow);
        command.Options.Add(lines);
        command.Options.Add(unit);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var journalctl = FindOnPath("journalctl", context.Environment);
            if (journalctl is null)
            {
                await context.Environment.Error.WriteLineAsync(
                    $"{context.ProgramName}: journalctl was not found on PATH. The service log can only be read on the machine where Macha runs as the systemd service {parsed.GetValue(unit)}; "
                    + $"'{context.CommandName("logs")} decisions', 'actions' and 'orchestrator' work from anywhere through the API.");
                return ExitCodes.Failure;
            }

            var arguments = new List<string> { "--unit", parsed.GetValue(unit)!, "--lines", parsed.GetValue(lines).ToString(System.Globalization.CultureInfo.InvariantCulture), "--no-pager" };
            if (parsed.GetValue(follow))
            {
                arguments.Add("--follow");
            }

            return await RunJournalctlAsync(journalctl, arguments, context.Environment, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunJournalctlAsync(string path, List<string> arguments, CliEnvironment environment, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)
            ?? throw new CliException(ExitCodes.Failure, $"{path} could not be started.");
        var copyOutput = CopyAsync(process.StandardOutput, environment.Output);
        var copyError = CopyAsync(process.StandardError, environment.Error);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C ends a follow: stop journalctl, which would otherwise keep running.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            await Task.WhenAll(copyOutput, copyError);
            return ExitCodes.Success;
        }

        await Task.WhenAll(copyOutput, copyError);
        return process.ExitCode == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static async Task CopyAsync(StreamReader from, TextWriter to)
    {
        while (await from.ReadLineAsync() is { } line)
        {
            await to.WriteLineAsync(line);
            await to.FlushAsync();
        }
    }

    private static string? FindOnPath(string program, CliEnvironment environment) =>
        (environment.GetVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    private static void WriteAuditLine(CliOutput output, JsonElement line)
    {
        if (output.Json)
        {
            // One object per line (JSON Lines), so a script can read a follow as it comes.
            output.WriteLine(line.GetRawText());
            return;
        }

        var data = line.TryGetProperty("data", out var value) && value.ValueKind == JsonValueKind.Object ? value.GetRawText() : string.Empty;
        output.WriteLine($"{line.Time("at")}  #{line.Text("seq"),-5} {line.Text("type"),-20} {line.Text("actor"),-10} {line.Text("host"),-12} {JsonText.OneLine(data, 160)}");
    }

    private static void WriteRun(CliOutput output, JsonElement run)
    {
        if (output.Json)
        {
            output.WriteLine(run.GetRawText());
            return;
        }

        var duration = run.TryGetProperty("durationMs", out var ms) && ms.ValueKind == JsonValueKind.Number ? $"{ms.GetDouble() / 1000:0.0} s" : "-";
        var error = run.Text("error") is { Length: > 0 } text ? "  " + JsonText.OneLine(text, 120) : string.Empty;
        output.WriteLine($"{run.Time("requestedAt")}  cycle {run.Text("id")}  {run.Text("trigger"),-9} {run.Text("state"),-11} {duration,8}  {run.Text("hostCount")} host(s)  {run.Text("findingCount")} finding(s){error}");
    }
}
