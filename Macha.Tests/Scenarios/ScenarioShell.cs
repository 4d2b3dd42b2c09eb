using Macha.Core.Hosts;

namespace Macha.Tests.Scenarios;

/// <summary>
/// Replays a scenario's files and commands. A command matches the recorded prefix that is longest,
/// so "journalctl -o json" covers whatever cursor or time arguments the collector adds.
/// </summary>
internal sealed class ScenarioShell(Scenario scenario, bool previousCycle, string hostName = "scenario-host") : IHostShell
{
    public string HostName => hostName;

    public async Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellationToken = default)
    {
        var text = request.DisplayText;
        var match = Sections("command", "hang")
            .Where(section => text == section.Key || text.StartsWith(section.Key + " ", StringComparison.Ordinal))
            .MaxBy(section => section.Key.Length);

        if (match is null)
        {
            return new CommandResult(CommandStatus.NotFound, null, "", "", TimeSpan.Zero, FailureReason: "not recorded in the scenario");
        }

        if (match.Kind == "hang")
        {
            try
            {
                await Task.Delay(request.Timeout, cancellationToken);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            return new CommandResult(CommandStatus.TimedOut, null, "", "", request.Timeout, FailureReason: "killed at timeout");
        }

        var standardError = match.ToStandardError ? match.Content : "";
        var standardOutput = match.ToStandardError ? "" : match.Content;
        return new CommandResult(CommandStatus.Exited, match.ExitCode, standardOutput, standardError, TimeSpan.FromMilliseconds(1));
    }

    public Task<FileReadResult> ReadFileAsync(string path, int maxBytes, CancellationToken cancellationToken = default)
    {
        var section = Sections("file").FirstOrDefault(s => s.Key == path);
        if (section is null)
        {
            return Task.FromResult(FileReadResult.Missing($"{path}: No such file or directory"));
        }

        var content = section.Content.Length > maxBytes ? section.Content[..maxBytes] : section.Content;
        return Task.FromResult(new FileReadResult(true, content));
    }

    /// <summary>
    /// Returns the sections of these kinds; in the previous cycle, "previous-" sections replace the
    /// ones with the same key.
    /// </summary>
    private IEnumerable<ScenarioSection> Sections(params string[] kinds)
    {
        var current = scenario.Sections.Values.Where(s => kinds.Contains(s.Kind));
        if (!previousCycle)
        {
            return current;
        }

        var previous = scenario.Sections.Values
            .Where(s => kinds.Any(kind => s.Kind == "previous-" + kind))
            .Select(s => s with { Kind = s.Kind["previous-".Length..] })
            .ToList();
        return previous.Concat(current.Where(s => previous.All(p => p.Key != s.Key)));
    }
}
