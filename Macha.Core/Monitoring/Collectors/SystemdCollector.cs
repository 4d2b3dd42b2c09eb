using System.Globalization;
using Macha.Core.Hosts;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Monitoring.Collectors;

/// <summary>
/// Reads failed units with their failure details, units stuck starting or stopping, service restart
/// counts and the overall state from the host's service manager.
/// </summary>
/// <remarks>
/// systemctl's exit status is not a health signal: <c>list-units --failed</c> exits with 0 while
/// units have failed, and <c>is-system-running</c> exits non-zero whenever the state is not
/// "running". Health comes from the parsed rows and the printed state. Without the failed-unit list
/// the collector fails. When only the failure details, the transitioning units or the restart
/// counts cannot be read, the collector is Partial and leaves that part null.
/// </remarks>
internal sealed class SystemdCollector : ICollector
{
    // Properties of a failed unit worth showing to a person. StateChangeTimestampMonotonic replaces
    // InactiveEnterTimestampMonotonic when the latter is zero.
    private const string FailureProperties =
        "Id,Result,ExecMainCode,ExecMainStatus,NRestarts,FragmentPath,LoadError," +
        "ActiveEnterTimestamp,InactiveEnterTimestamp,InactiveEnterTimestampMonotonic,StateChangeTimestampMonotonic";

    private const string TransitionProperties = "Id,ActiveState,SubState,StateChangeTimestamp,StateChangeTimestampMonotonic";

    private const string RestartProperties = "Id,NRestarts,Result,ExecMainStatus";

    private const int MaxSmallFileBytes = 4096;

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

    private static readonly string[] TransitionStates = ["activating", "deactivating"];

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

        var parsed = ReadUnitList(listResult, listUnits, out var listFailure);
        if (parsed is null)
        {
            return listFailure!;
        }

        var isSystemRunning = context.Command("systemctl", "is-system-running");
        var stateResult = await context.Shell.RunAsync(isSystemRunning, cancellationToken);
        var systemState = ReadSystemState(stateResult);

        var problems = new Problems();
        if (systemState is null)
        {
            problems.Add($"the system state is unknown: {stateResult.Describe(isSystemRunning.DisplayText)}", null);
        }

        var failedUnits = await AddFailureDetailsAsync(context, parsed.Units, problems, cancellationToken);
        var transitioning = await CollectTransitioningUnitsAsync(context, problems, cancellationToken);
        var restarts = await CollectServiceRestartsAsync(context, problems, cancellationToken);

        context.Snapshot.Systemd = new SystemdSection(
            failedUnits, systemState, parsed.Format == UnitListFormat.Text, transitioning, restarts);

        return problems.ToOutcome();
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

    /// <summary>Parses the output of one <c>systemctl list-units</c> run, or returns null with the failure.</summary>
    private static UnitListParseResult? ReadUnitList(CommandResult result, CommandRequest request, out CollectorOutcome? failure)
    {
        failure = null;
        if (result.Status != CommandStatus.Exited)
        {
            failure = CollectorOutcome.FromCommand(result, request);
            return null;
        }

        // A non-zero exit with nothing on standard output is an error, not an empty list.
        if (result.ExitCode != 0 && string.IsNullOrWhiteSpace(result.StandardOutput))
        {
            failure = CollectorOutcome.FromCommand(result, request);
            return null;
        }

        if (result.OutputTruncated)
        {
            failure = CollectorOutcome.Failed(
                $"{request.DisplayText} printed more than {request.MaxOutputBytes} bytes; raise Macha:Monitoring:MaxOutputBytes",
                result.StandardOutput);
            return null;
        }

        var parsed = SystemctlUnitsParser.Parse(result.StandardOutput);
        if (!parsed.Succeeded)
        {
            failure = new CollectorOutcome(CollectorState.Failed, parsed.Error, parsed.FirstBytes);
            return null;
        }

        return parsed;
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

    private static async Task<IReadOnlyList<UnitState>> AddFailureDetailsAsync(
        CollectionContext context, IReadOnlyList<UnitState> failedUnits, Problems problems, CancellationToken cancellationToken)
    {
        if (failedUnits.Count == 0)
        {
            return failedUnits;
        }

        var show = await SystemctlShow.RunAsync(
            context, failedUnits.Select(unit => unit.Name), FailureProperties, cancellationToken);
        if (show.Problem is not null)
        {
            problems.Add($"details of failed units are incomplete: {show.Problem}", show.Output);
        }

        return failedUnits
            .Select(unit => show.Units.TryGetValue(unit.Name, out var properties)
                ? unit with { Failure = ReadFailureDetails(unit.Name, properties, problems) }
                : unit)
            .ToList();
    }

    private static UnitFailureDetails ReadFailureDetails(string unitName, UnitProperties properties, Problems problems)
    {
        var code = ReadInteger(unitName, properties, "ExecMainCode", problems);
        var status = ReadInteger(unitName, properties, "ExecMainStatus", problems);
        var restarts = ReadInteger(unitName, properties, "NRestarts", problems);
        var inactiveEntered = ReadSinceBoot(unitName, properties, "InactiveEnterTimestampMonotonic", problems)
            ?? ReadSinceBoot(unitName, properties, "StateChangeTimestampMonotonic", problems);

        // ExecMainCode is a CLD_* code from waitid(2); zero means no main process ever ran.
        var hasMainProcess = code is > 0;
        return new UnitFailureDetails(
            properties.Text("Result"),
            hasMainProcess ? DescribeExitCode(code!.Value) : null,
            hasMainProcess && status is { } value ? (int)Math.Clamp(value, int.MinValue, int.MaxValue) : null,
            restarts,
            properties.Text("FragmentPath"),
            properties.Text("LoadError"),
            properties.Timestamp("ActiveEnterTimestamp"),
            properties.Timestamp("InactiveEnterTimestamp"),
            inactiveEntered);
    }

    // CLD_EXITED, CLD_KILLED and CLD_DUMPED from <signal.h>; systemctl status shows the same words.
    private static string DescribeExitCode(long code) => code switch
    {
        1 => "exited",
        2 => "killed",
        3 => "dumped",
        _ => code.ToString(CultureInfo.InvariantCulture),
    };

    private static async Task<IReadOnlyList<TransitioningUnit>?> CollectTransitioningUnitsAsync(
        CollectionContext context, Problems problems, CancellationToken cancellationToken)
    {
        var listUnits = context.Command(
            "systemctl", "list-units", "--all", "--state=activating,deactivating", "--output=json", "--no-pager", "--plain", "--no-legend");
        var listResult = await context.Shell.RunAsync(listUnits, cancellationToken);
        var parsed = ReadUnitList(listResult, listUnits, out var failure);
        if (parsed is null)
        {
            problems.Add($"units stuck activating could not be read: {failure!.Detail}", listResult.StandardOutput + listResult.StandardError);
            return null;
        }

        var listed = parsed.Units.Where(unit => TransitionStates.Contains(unit.Active, StringComparer.Ordinal)).ToList();
        if (listed.Count == 0)
        {
            return [];
        }

        var show = await SystemctlShow.RunAsync(context, listed.Select(unit => unit.Name), TransitionProperties, cancellationToken);
        if (show.Problem is not null)
        {
            problems.Add($"state change times of activating units are incomplete: {show.Problem}", show.Output);
        }

        // Read after systemctl show, so the time since boot is never earlier than the state changes it printed.
        var uptime = await ReadUptimeAsync(context, problems, cancellationToken);

        var units = new List<TransitioningUnit>();
        foreach (var unit in listed)
        {
            if (!show.Units.TryGetValue(unit.Name, out var properties))
            {
                units.Add(new TransitioningUnit(unit.Name, unit.Active, unit.Sub, null, null));
                continue;
            }

            var active = properties.Text("ActiveState") ?? unit.Active;
            if (!TransitionStates.Contains(active, StringComparer.Ordinal))
            {
                // It finished starting or stopping between the two commands.
                continue;
            }

            var changedAfterBoot = ReadSinceBoot(unit.Name, properties, "StateChangeTimestampMonotonic", problems);
            var inStateFor = changedAfterBoot is { } changed && uptime is { } now
                ? (now > changed ? now - changed : TimeSpan.Zero)
                : InStateSinceWallClock(properties.Timestamp("StateChangeTimestamp"), context.Snapshot.TakenAt);
            if (inStateFor is null)
            {
                problems.Add($"how long {unit.Name} has been {active} is unknown", null);
            }

            units.Add(new TransitioningUnit(unit.Name, active, properties.Text("SubState") ?? unit.Sub, changedAfterBoot, inStateFor));
        }

        return units;
    }

    private static async Task<TimeSpan?> ReadUptimeAsync(CollectionContext context, Problems problems, CancellationToken cancellationToken)
    {
        var file = await context.ReadFileAsync(BootCollector.UptimePath, MaxSmallFileBytes, cancellationToken);
        if (!file.Exists)
        {
            problems.Add($"could not read {BootCollector.UptimePath}: {file.Error}", null);
            return null;
        }

        var uptime = UptimeParser.Parse(file.Content);
        if (!uptime.Succeeded)
        {
            problems.Add($"could not parse {BootCollector.UptimePath}: {uptime.Error}", file.Content);
            return null;
        }

        // NOTE: /proc/uptime counts time spent suspended and systemd's monotonic timestamps do not,
        // so on a host that suspended since the state change the duration comes out too long.
        return uptime.Value;
    }

    /// <summary>
    /// Returns the time since a wall-clock timestamp that systemd printed in UTC, or null for any other
    /// zone, because an abbreviation such as "CST" names several offsets.
    /// </summary>
    private static TimeSpan? InStateSinceWallClock(string? timestamp, DateTimeOffset now)
    {
        if (timestamp is null
            || !DateTime.TryParseExact(timestamp, "ddd yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var changedAt))
        {
            return null;
        }

        var elapsed = now - new DateTimeOffset(changedAt, TimeSpan.Zero);
        return elapsed > TimeSpan.Zero ? elapsed : TimeSpan.Zero;
    }

    private static async Task<IReadOnlyList<ServiceRestarts>?> CollectServiceRestartsAsync(
        CollectionContext context, Problems problems, CancellationToken cancellationToken)
    {
        var listServices = context.Command(
            "systemctl", "list-units", "--type=service", "--all", "--output=json", "--no-pager", "--plain", "--no-legend");
        var listResult = await context.Shell.RunAsync(listServices, cancellationToken);
        var parsed = ReadUnitList(listResult, listServices, out var failure);
        if (parsed is null)
        {
            problems.Add($"service restart counts could not be read: {failure!.Detail}", listResult.StandardOutput + listResult.StandardError);
            return null;
        }

        var names = parsed.Units.Select(unit => unit.Name).Where(name => name.EndsWith(".service", StringComparison.Ordinal)).ToList();
        var show = await SystemctlShow.RunAsync(context, names, RestartProperties, cancellationToken);

        // A partial list would be worse than none: a service missing now and read again next cycle
        // would seem to have restarted all its restarts since boot at once.
        if (show.Problem is not null)
        {
            problems.Add($"service restart counts could not be read: {show.Problem}", show.Output);
            return null;
        }

        var restarts = new List<ServiceRestarts>();
        foreach (var name in names)
        {
            var properties = show.Units[name];
            if (!properties.TryGetInteger("NRestarts", out var count) || !properties.TryGetInteger("ExecMainStatus", out var status))
            {
                problems.Add(
                    $"service restart counts could not be read: {name} has NRestarts '{properties.Raw("NRestarts")}' and ExecMainStatus '{properties.Raw("ExecMainStatus")}'",
                    null);
                return null;
            }

            if (count is > 0)
            {
                restarts.Add(new ServiceRestarts(name, count.Value, properties.Text("Result"), (int?)status));
            }
        }

        return restarts;
    }

    private static long? ReadInteger(string unitName, UnitProperties properties, string property, Problems problems)
    {
        if (properties.TryGetInteger(property, out var value))
        {
            return value;
        }

        problems.Add($"{property} of {unitName} is not an integer: '{CollectorStatus.Excerpt(properties.Raw(property) ?? "")}'", null);
        return null;
    }

    private static TimeSpan? ReadSinceBoot(string unitName, UnitProperties properties, string property, Problems problems)
    {
        if (properties.TryGetSinceBoot(property, out var value))
        {
            return value;
        }

        problems.Add($"{property} of {unitName} is not a count of microseconds: '{CollectorStatus.Excerpt(properties.Raw(property) ?? "")}'", null);
        return null;
    }

    /// <summary>What could not be read beside the failed-unit list, for a Partial status.</summary>
    private sealed class Problems
    {
        private readonly List<string> _details = [];
        private string? _firstOutput;

        public void Add(string detail, string? output)
        {
            _details.Add(detail);
            if (_firstOutput is null && !string.IsNullOrEmpty(output))
            {
                _firstOutput = output;
            }
        }

        public CollectorOutcome ToOutcome() => _details.Count == 0
            ? CollectorOutcome.Ok()
            : new CollectorOutcome(
                CollectorState.Partial,
                "failed units read, but " + string.Join("; ", _details),
                _firstOutput is null ? null : CollectorStatus.Excerpt(_firstOutput));
    }
}
