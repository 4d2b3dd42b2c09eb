using System.CommandLine;
using System.Text.Json;

namespace Macha.Web.Cli.Verbs;

/// <summary><c>check</c>: start a health cycle, wait for it, and print what it found.</summary>
internal static class CheckVerb
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public static Command Create(string name, CliContext context)
    {
        var timeout = new Option<int>("--timeout-seconds")
        {
            Description = "Seconds to wait for the cycle to finish before giving up (exit code 1). The cycle itself goes on.",
            DefaultValueFactory = _ => 600,
        };
        timeout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--timeout-seconds must be at least 1.");
            }
        });

        var command = new Command(name, "Run a health cycle now, wait for it to finish, and print its findings. Exit code 0 when the cycle completed, 1 when it failed.");
        command.Options.Add(timeout);
        command.SetAction(context.Run((parsed, client, output, cancellationToken) =>
            RunAsync(client, output, context, TimeSpan.FromSeconds(parsed.GetValue(timeout)), cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(MachaApiClient client, CliOutput output, CliContext context, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = await client.PostAsync("api/cycles", body: null, cancellationToken);
        var id = started.GetProperty("id").GetGuid();
        await context.Environment.Error.WriteLineAsync($"Health cycle {id} started; waiting for it to finish.");

        var run = await WaitAsync(client, id, timeout, cancellationToken);
        var findings = (await client.GetAsync("api/findings?limit=500", cancellationToken))
            .Items()
            .Where(finding => finding.Text("cycleRunId") == id.ToString())
            .ToList();
        var state = run.Text("state");

        if (output.Json)
        {
            output.WriteJson(new { run, findings });
        }
        else
        {
            WriteSummary(output, run, findings);
        }

        return state == "Completed" ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static async Task<JsonElement> WaitAsync(MachaApiClient client, Guid id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var run = await client.GetAsync($"api/cycles/{id}", limit.Token);
                if (run.Text("state") is not ("Queued" or "Running"))
                {
                    return run;
                }

                await Task.Delay(PollInterval, limit.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Failure, $"Health cycle {id} did not finish within {timeout.TotalSeconds:0} seconds; it goes on. Follow it with 'macha logs orchestrator --follow'.");
        }
    }

    private static void WriteSummary(CliOutput output, JsonElement run, List<JsonElement> findings)
    {
        var duration = run.TryGetProperty("durationMs", out var ms) && ms.ValueKind == JsonValueKind.Number
            ? $" in {ms.GetDouble() / 1000:0.0} s"
            : string.Empty;
        output.WriteLine($"Health cycle {run.Text("id")} {run.Text("state")}{duration}: {run.Text("hostCount")} host(s), {findings.Count} finding(s).");
        if (run.Text("error") is { Length: > 0 } error)
        {
            output.WriteLine($"Error: {error}");
        }

        var failedCollectors = CollectorProblems(run).ToList();
        if (failedCollectors.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Collectors that did not run fully:");
            output.WriteTable(["HOST", "COLLECTOR", "STATE", "DETAIL"], failedCollectors);
        }

        if (findings.Count > 0)
        {
            output.WriteLine();
            output.WriteTable(
                ["SEVERITY", "HOST", "KIND", "SUBJECT", "SUMMARY"],
                findings.Select(f => (IReadOnlyList<string>)[f.Text("severity"), f.Text("hostName"), f.Text("kind"), f.Text("subject"), JsonText.OneLine(f.Text("summary"), 100)]));
        }
    }

    private static IEnumerable<IReadOnlyList<string>> CollectorProblems(JsonElement run)
    {
        if (!run.TryGetProperty("collectors", out var hosts) || hosts.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        foreach (var host in hosts.EnumerateObject())
        {
            foreach (var collector in host.Value.Items())
            {
                var state = collector.Text("state");
                if (state is not ("Ok" or ""))
                {
                    yield return [host.Name, collector.Text("name"), state, JsonText.OneLine(collector.Text("detail"), 80)];
                }
            }
        }
    }
}
