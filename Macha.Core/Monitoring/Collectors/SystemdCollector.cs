using Macha.Core.Hosts;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Monitoring.Collectors;

/// <summary>Reads failed units and the overall state from the host's service manager.</summary>
/// <remarks>
/// systemctl's exit status is not a health signal: <c>list-units --failed</c> exits with 0 while
/// units have failed, and <c>is-system-running</c> exits non-zero whenever the state is not
/// "running". Health comes from the parsed rows and the printed state.
/// </remarks>
internal sealed class SystemdCollector : ICollector
{
    // systemctl's messages when PID 1 is not systemd (containers, WSL, build machines) or the
    // system bus is unreachable. The service manager is absent, so the collector is unavailable.
    private static readonly string[] NoServiceManagerMarkers =
    [
        "System has not been booted with systemd",
        "Failed to connect to bus",
        "Failed to connect to system scope bus",
    ];

    // States printed by systemctl is-system-running, from systemctl(1).
    private static readonly string[] SystemStates =
    [
        "initializing", "starting", "running", "degraded", "maintenance", "stopping", "offline", "unknown",
    ];

    public string Name => "systemd";

    public async Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);

        // On systemd too old for JSON, --plain drops the status marker column and --no-legend the
        // header and footer from the table it prints instead. The parser also reads the full table.
        var listUnits = context.Command(
            "systemctl", "list-units", "--failed", "--all", "--output=json", "--no-pager", "--plain", "--no-legend");
        var listResult = await context.Shell.RunAsync(listUnits, cancellationToken);

        var unavailable = DetectMissingServiceManager(listResult, listUnits);
        if (unavailable is not null)
        {
            return unavailable;
        }

        if (listResult.Status != CommandStatus.Exited)
        {
            return CollectorOutcome.FromCommand(listResult, listUnits);
        }

        // A non-zero exit with nothing on standard output is an error, not an empty list.
        if (listResult.ExitCode != 0 && string.IsNullOrWhiteSpace(listResult.StandardOutput))
        {
            return CollectorOutcome.FromCommand(listResult, listUnits);
        }

        if (listResult.OutputTruncated)
        {
            return CollectorOutcome.Failed(
                $"{listUnits.DisplayText} printed more than {listUnits.MaxOutputBytes} bytes; raise Macha:Monitoring:MaxOutputBytes",
                listResult.StandardOutput);
        }

        var parsed = SystemctlUnitsParser.Parse(listResult.StandardOutput);
        if (!parsed.Succeeded)
        {
            return new CollectorOutcome(CollectorState.Failed, parsed.Error, parsed.FirstBytes);
        }

        var isSystemRunning = context.Command("systemctl", "is-system-running");
        var stateResult = await context.Shell.RunAsync(isSystemRunning, cancellationToken);
        var systemState = ReadSystemState(stateResult);

        context.Snapshot.Systemd = new SystemdSection(parsed.Units, systemState, parsed.Format == UnitListFormat.Text);

        return systemState is null
            ? CollectorOutcome.Partial($"failed units read, but the system state is unknown: {stateResult.Describe(isSystemRunning.DisplayText)}")
            : CollectorOutcome.Ok();
    }

    private static CollectorOutcome? DetectMissingServiceManager(CommandResult result, CommandRequest request)
    {
        if (result.Status == CommandStatus.NotFound)
        {
            return CollectorOutcome.Unavailable($"systemctl is not installed: {result.Describe(request.DisplayText)}");
        }

        var output = result.StandardError + "\n" + result.StandardOutput;
        var marker = NoServiceManagerMarkers.FirstOrDefault(text => output.Contains(text, StringComparison.Ordinal));
        if (marker is null || result.ExitCode == 0)
        {
            return null;
        }

        var line = output
            .Split('\n', StringSplitOptions.TrimEntries)
            .First(candidate => candidate.Contains(marker, StringComparison.Ordinal));
        return CollectorOutcome.Unavailable($"systemd is not the service manager here: {CollectorStatus.Excerpt(line)}");
    }

    private static string? ReadSystemState(CommandResult result)
    {
        if (result.Status != CommandStatus.Exited)
        {
            return null;
        }

        var state = result.StandardOutput.Trim();
        return SystemStates.Contains(state, StringComparer.Ordinal) ? state : null;
    }
}
