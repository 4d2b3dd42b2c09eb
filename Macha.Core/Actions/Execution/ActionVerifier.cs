using System.Text.RegularExpressions;
using Macha.Core.Hosts;

namespace Macha.Core.Actions.Execution;

/// <summary>The check that runs after an action's commands succeeded.</summary>
/// <param name="Command">The command the check ran, or null when the check only read the action's own output.</param>
internal sealed record VerificationResult(bool Passed, string Detail, ExecutedCommand? Command = null, string? FreedSpace = null);

/// <summary>
/// Checks that an action had its expected effect: a restarted unit is active after a settle time, a
/// reset unit is no longer failed, and a cleanup exited with code 0. Checks run without sudo, because
/// systemctl reads unit state as any user.
/// </summary>
internal sealed partial class ActionVerifier(TimeProvider timeProvider)
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(10);

    public async Task<VerificationResult> VerifyAsync(
        ExecutableActionRequest request, IHostShell shell, CommandResult lastResult, TimeSpan restartSettleTime, CancellationToken cancellationToken)
    {
        switch (request)
        {
            case RestartUnit restart:
                // A unit can start and then crash a few seconds later; checking at once would miss that.
                if (restartSettleTime > TimeSpan.Zero)
                {
                    await Task.Delay(restartSettleTime, timeProvider, cancellationToken).ConfigureAwait(false);
                }

                return await CheckUnitStateAsync(shell, "is-active", restart.Unit, state => state == "active", restartSettleTime, cancellationToken).ConfigureAwait(false);

            case ResetFailedUnit reset:
                return await CheckUnitStateAsync(shell, "is-failed", reset.Unit, state => state != "failed", TimeSpan.Zero, cancellationToken).ConfigureAwait(false);

            case VacuumJournal:
                return CleanupResult("journalctl", JournalFreed().Matches(lastResult.StandardOutput + "\n" + lastResult.StandardError));

            case CollectNixGarbage:
                return CleanupResult("nix-collect-garbage", NixGarbageFreed().Matches(lastResult.StandardOutput + "\n" + lastResult.StandardError));

            case RunDiagnostic:
                return new VerificationResult(true, "a read-only diagnostic needs no check; its output is captured.");

            default:
                throw new InvalidOperationException($"Action kind {request.Kind} has no verification; the executor should have refused it.");
        }
    }

    private static async Task<VerificationResult> CheckUnitStateAsync(
        IHostShell shell, string verb, string unit, Func<string, bool> isExpected, TimeSpan settleTime, CancellationToken cancellationToken)
    {
        var request = new CommandRequest("systemctl", [verb, "--", unit], CheckTimeout, CommandRequest.DefaultMaxOutputBytes);
        var result = await shell.RunAsync(request, cancellationToken).ConfigureAwait(false);
        var command = ExecutedCommand.From(request, result);
        var after = settleTime > TimeSpan.Zero ? $" {settleTime.TotalSeconds:0.#} s after the action" : string.Empty;

        // is-active and is-failed print one state word and encode it in their exit code too, so a
        // non-zero exit is a valid result here. Only a command that did not exit means the check failed to run.
        if (result.Status != CommandStatus.Exited)
        {
            return new VerificationResult(false, $"could not check the unit: {result.Describe(request.DisplayText)}", command);
        }

        var state = result.StandardOutput.Trim();
        var printed = state.Length == 0 ? "nothing" : $"\"{Monitoring.CollectorStatus.Excerpt(state)}\"";
        var detail = $"{request.DisplayText} printed {printed} (exit code {result.ExitCode}){after}";
        return new VerificationResult(isExpected(state), detail, command);
    }

    private static VerificationResult CleanupResult(string program, MatchCollection freed)
    {
        if (freed.Count == 0)
        {
            return new VerificationResult(true, $"{program} exited with code 0 and printed no freed space.");
        }

        // journalctl prints one line per journal directory, such as /run/log/journal and /var/log/journal.
        var amounts = string.Join(", ", freed.Select(match => match.Groups["amount"].Value));
        return new VerificationResult(true, $"{program} exited with code 0 and freed {amounts}.", FreedSpace: amounts);
    }

    // journalctl (systemd 252): "Vacuuming done, freed 1.2G of archived journals from /var/log/journal."
    [GeneratedRegex(@"Vacuuming done, freed (?<amount>[0-9.]+[A-Za-z]*) of archived journals", RegexOptions.CultureInvariant)]
    private static partial Regex JournalFreed();

    // nix-collect-garbage (Nix 2.x): "3 store paths deleted, 12.34 MiB freed".
    [GeneratedRegex(@"[0-9]+ store paths? deleted, (?<amount>[0-9.]+ [KMGT]?i?B) freed", RegexOptions.CultureInvariant)]
    private static partial Regex NixGarbageFreed();
}
