using System.Collections.Frozen;
using System.Globalization;
using Macha.Core.Detection;
using Macha.Core.Hosts;
using Macha.Core.Incidents;
using Macha.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace Macha.Core.Actions.Execution;

/// <summary>The outcome of the checks after a NixOS activation: all passed, or the first failure.</summary>
/// <param name="Detail">One sentence per check, joined, for the outcome and the audit log.</param>
internal sealed record NixosCheckResult(bool Passed, string Detail);

/// <summary>
/// The checks a NixOS rebuild or rollback must pass after activation: the protected services that
/// were active before are still active, the SSH service among them, Macha's database answers, and
/// the host has no new problem and no longer the incident's own. Every command is fixed argv; unit
/// names read from the host are validated by systemd's naming rules before they are passed on.
/// </summary>
/// <remarks>
/// With a <see cref="HostFindingsProbe"/>, the last check runs the collectors and detectors before
/// and after activation and compares the findings by fingerprint, which covers every finding kind.
/// Without one, only failed, flapping and stuck units have an incident check.
/// </remarks>
internal sealed class NixosHealthChecks(
    ProtectedTargets protectedTargets, IDbContextFactory<MachaDbContext>? databases, HostFindingsProbe? probe = null)
{
    // Kinds that an activation raises by itself for a while (load, pressure, a pending reboot after
    // a kernel change), or that a rollback cannot undo (disk and store space). A new finding of these
    // kinds is reported but fails no check, and the incident's own is left to the next health cycle.
    private static readonly FrozenSet<FindingKind> ActivationSensitiveKinds = new[]
    {
        FindingKind.HighCpu, FindingKind.HighLoad, FindingKind.PressureStall, FindingKind.MemoryPressure,
        FindingKind.SwapUsage, FindingKind.ProcessesStuck, FindingKind.DiskSpace, FindingKind.InodeUsage,
        FindingKind.NixosStoreSpaceLow, FindingKind.NixosManyGenerations, FindingKind.NixosRebootPending,
        FindingKind.RecentReboot,
    }.ToFrozenSet();

    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(30);
    private static readonly string[] SshUnits = ["sshd.service", "ssh.service", "sshd.socket", "ssh.socket"];

    /// <summary>Lists the active protected services before activation, which must still be active afterwards.</summary>
    /// <returns>The unit names, or null with the reason when the list could not be read.</returns>
    public async Task<(IReadOnlyList<string>? Units, string? Error, ExecutedCommand Command)> ListActiveProtectedAsync(
        IHostShell shell, CancellationToken cancellationToken)
    {
        var request = new CommandRequest(
            "systemctl", ["list-units", "--type=service,socket", "--state=active", "--no-legend", "--plain", "--no-pager"], CheckTimeout, CommandRequest.DefaultMaxOutputBytes);
        var result = await shell.RunAsync(request, cancellationToken).ConfigureAwait(false);
        var command = ExecutedCommand.From(request, result);
        if (!result.Succeeded)
        {
            return (null, $"could not list the active services before activation: {result.Describe(request.DisplayText)}", command);
        }

        var units = result.StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', 2)[0])
            .Where(unit => ActionArguments.CheckUnit(unit, restartable: false) is null && protectedTargets.IsProtected(unit))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return (units, null, command);
    }

    /// <summary>
    /// Collects and detects on the host before activation, for <see cref="CheckAsync"/> to compare
    /// with; null without a probe.
    /// </summary>
    public async Task<HostFindings?> ProbeBeforeAsync(IHostShell shell, CancellationToken cancellationToken) =>
        probe is null ? null : await probe.ProbeAsync(shell, previous: null, cancellationToken).ConfigureAwait(false);

    /// <summary>Runs every check after activation, in order, stopping at the first that fails.</summary>
    /// <param name="incidentId">The incident whose own check runs last; null to skip it, as after a rollback.</param>
    /// <param name="baseline">What <see cref="ProbeBeforeAsync"/> found before activation; null for the unit-only incident check.</param>
    /// <param name="reportedUnits">
    /// Units that the activation output already reported as failed. The outcome names them, and as a
    /// unit failing during activation does not undo a switch, their findings fail no check.
    /// </param>
    public async Task<NixosCheckResult> CheckAsync(
        IReadOnlyList<string> protectedBefore,
        Guid? incidentId,
        IHostShell shell,
        List<ExecutedCommand> executed,
        CancellationToken cancellationToken,
        HostFindings? baseline = null,
        IReadOnlyCollection<string>? reportedUnits = null)
    {
        var details = new List<string>();

        var services = await CheckServicesAsync(protectedBefore, shell, executed, cancellationToken).ConfigureAwait(false);
        details.Add(services.Detail);
        if (!services.Passed)
        {
            return new NixosCheckResult(false, string.Join(" ", details));
        }

        var ssh = protectedBefore.Where(unit => SshUnits.Contains(unit, StringComparer.Ordinal)).ToList();
        details.Add(ssh.Count == 0
            ? "No SSH service was active before, so SSH was not checked."
            : $"SSH ({string.Join(", ", ssh)}) is still active.");

        var macha = await CheckMachaAsync(cancellationToken).ConfigureAwait(false);
        details.Add(macha.Detail);
        if (!macha.Passed)
        {
            return new NixosCheckResult(false, string.Join(" ", details));
        }

        if (baseline is not null && probe is not null)
        {
            var compared = await CompareFindingsAsync(baseline, incidentId, reportedUnits ?? [], shell, cancellationToken).ConfigureAwait(false);
            details.Add(compared.Detail);
            return new NixosCheckResult(compared.Passed, string.Join(" ", details));
        }

        if (incidentId is null)
        {
            return new NixosCheckResult(true, string.Join(" ", details));
        }

        var incident = await CheckIncidentAsync(incidentId.Value, shell, executed, cancellationToken).ConfigureAwait(false);
        details.Add(incident.Detail);
        return new NixosCheckResult(incident.Passed, string.Join(" ", details));
    }

    private static async Task<NixosCheckResult> CheckServicesAsync(
        IReadOnlyList<string> units, IHostShell shell, List<ExecutedCommand> executed, CancellationToken cancellationToken)
    {
        if (units.Count == 0)
        {
            return new NixosCheckResult(true, "No protected service was active before, so none was checked.");
        }

        var request = new CommandRequest("systemctl", ["is-active", "--", .. units], CheckTimeout, CommandRequest.DefaultMaxOutputBytes);
        var result = await shell.RunAsync(request, cancellationToken).ConfigureAwait(false);
        executed.Add(ExecutedCommand.From(request, result));

        // is-active prints one state per unit, in order, and exits non-zero when any is not active.
        if (result.Status != CommandStatus.Exited)
        {
            return new NixosCheckResult(false, $"Could not check the protected services: {result.Describe(request.DisplayText)}.");
        }

        var states = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var down = units
            .Select((unit, index) => (Unit: unit, State: index < states.Length ? states[index] : "unknown"))
            .Where(pair => pair.State != "active")
            .Select(pair => $"{pair.Unit} is {pair.State}")
            .ToList();
        return down.Count == 0
            ? new NixosCheckResult(true, string.Create(CultureInfo.InvariantCulture, $"All {units.Count} protected services that were active before are still active."))
            : new NixosCheckResult(false, $"Protected services stopped: {string.Join(", ", down)}.");
    }

    private async Task<NixosCheckResult> CheckMachaAsync(CancellationToken cancellationToken)
    {
        if (databases is null)
        {
            return new NixosCheckResult(true, "Macha's own health was not checked, because no database is configured.");
        }

        try
        {
            await using var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            return await db.Database.CanConnectAsync(cancellationToken).ConfigureAwait(false)
                ? new NixosCheckResult(true, "Macha's database answers.")
                : new NixosCheckResult(false, "Macha's database does not answer.");
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            return new NixosCheckResult(false, $"Macha's database failed: {ex.Message}");
        }
    }

    private async Task<NixosCheckResult> CompareFindingsAsync(
        HostFindings baseline, Guid? incidentId, IReadOnlyCollection<string> reportedUnits, IHostShell shell, CancellationToken cancellationToken)
    {
        HostFindings after;
        try
        {
            after = await probe!.ProbeAsync(shell, baseline.Snapshot, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new NixosCheckResult(false, $"Could not collect the host's state after activation: {ex.Message}");
        }

        var problems = new List<string>();
        var notes = new List<string>();
        var incident = incidentId is { } id && databases is not null ? await FindIncidentAsync(id, cancellationToken).ConfigureAwait(false) : null;
        if (incident is not null)
        {
            var still = after.Findings.FirstOrDefault(f => f.Fingerprint == incident.Fingerprint);
            if (still is null)
            {
                notes.Add($"The incident's own problem ({incident.Kind} on {incident.Subject}) is gone.");
            }
            else if (ActivationSensitiveKinds.Contains(still.Kind))
            {
                notes.Add($"The incident's own problem ({still.Kind} on {still.Subject}) is still present, but activation can cause it for a while, so the next health cycle checks it.");
            }
            else
            {
                problems.Add($"the incident's own problem is still present ({still.Kind} on {still.Subject}: {still.Summary})");
            }
        }

        var before = baseline.Findings.Select(f => f.Fingerprint).ToHashSet(StringComparer.Ordinal);
        var added = after.Findings
            .Where(f => !before.Contains(f.Fingerprint) && f.Severity > Severity.Info && f.Fingerprint != incident?.Fingerprint)
            .ToList();
        var failing = added
            .Where(f => !ActivationSensitiveKinds.Contains(f.Kind) && !reportedUnits.Contains(f.Subject, StringComparer.Ordinal))
            .ToList();
        var tolerated = added.Except(failing).ToList();
        if (failing.Count > 0)
        {
            problems.Add($"new problems appeared after activation: {Describe(failing)}");
        }

        if (tolerated.Count > 0)
        {
            notes.Add($"New findings that fail no check, because activation causes them or its output already reported them: {Describe(tolerated)}.");
        }

        if (problems.Count > 0)
        {
            return new NixosCheckResult(false, $"The host's findings after activation fail the check: {string.Join("; ", problems)}. {string.Join(" ", notes)}".TrimEnd());
        }

        notes.Insert(0, string.Create(CultureInfo.InvariantCulture, $"No new problem appeared after activation ({after.Findings.Count} findings, {baseline.Findings.Count} before)."));
        return new NixosCheckResult(true, string.Join(" ", notes));
    }

    private static string Describe(IEnumerable<Finding> findings) =>
        string.Join("; ", findings.Select(f => $"{f.Kind} on {f.Subject}: {f.Summary}"));

    private async Task<IncidentRecord?> FindIncidentAsync(Guid incidentId, CancellationToken cancellationToken)
    {
        await using var db = await databases!.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == incidentId, cancellationToken).ConfigureAwait(false);
    }

    // Only incident kinds whose state can be read at once get a check here. Others, such as a journal
    // error burst that stays in the journal window, would fail for minutes after a good fix.
    private async Task<NixosCheckResult> CheckIncidentAsync(Guid incidentId, IHostShell shell, List<ExecutedCommand> executed, CancellationToken cancellationToken)
    {
        if (databases is null)
        {
            return new NixosCheckResult(true, "The incident was not checked, because no database is configured.");
        }

        await using var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var incident = await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == incidentId, cancellationToken).ConfigureAwait(false);
        if (incident is null)
        {
            return new NixosCheckResult(true, "The incident no longer exists, so it was not checked.");
        }

        var (verb, healthy) = incident.Kind switch
        {
            nameof(FindingKind.FailedUnit) => ("is-failed", (Func<string, bool>)(state => state != "failed")),
            nameof(FindingKind.UnitActivatingTooLong) or nameof(FindingKind.UnitFlapping) => ("is-active", state => state == "active"),
            _ => (null, null),
        };
        if (verb is null || healthy is null || ActionArguments.CheckUnit(incident.Subject, restartable: false) is not null)
        {
            return new NixosCheckResult(true, $"Incident kind {incident.Kind} has no immediate check; the next health cycle checks it.");
        }

        var request = new CommandRequest("systemctl", [verb, "--", incident.Subject], CheckTimeout, CommandRequest.DefaultMaxOutputBytes);
        var result = await shell.RunAsync(request, cancellationToken).ConfigureAwait(false);
        executed.Add(ExecutedCommand.From(request, result));
        var state = result.StandardOutput.Trim();
        return result.Status == CommandStatus.Exited && healthy(state)
            ? new NixosCheckResult(true, $"The incident's check passed: {request.DisplayText} printed \"{state}\".")
            : new NixosCheckResult(false, $"The incident's check failed: {request.DisplayText} printed \"{state}\" ({result.Describe(request.DisplayText)}).");
    }
}
