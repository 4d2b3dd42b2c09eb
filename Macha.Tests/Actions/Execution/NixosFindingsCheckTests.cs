using Macha.Core.Actions;
using Macha.Core.Actions.Execution;
using Macha.Core.Detection;
using Macha.Core.Hosts;
using Macha.Core.Incidents;
using Macha.Core.Monitoring;
using Macha.Tests.Cycle;
using Macha.Tests.Fakes;
using Macha.Tests.TestData;

namespace Macha.Tests.Actions.Execution;

/// <summary>
/// The NixOS pipeline's check of the host's findings: the collectors and detectors run before and
/// after activation, and the findings are compared by fingerprint, whatever their kind. The
/// collectors here report what a scripted host shows before and after nixos-rebuild test ran.
/// </summary>
public sealed class NixosFindingsCheckTests
{
    private const string HostName = "web-1";
    private const string ReadProfile = "readlink -- /nix/var/nix/profiles/system";
    private const string ListActive = "systemctl list-units --type=service,socket --state=active --no-legend --plain --no-pager";
    private const string DryBuild = "nixos-rebuild dry-build --flake /etc/nixos#web-1";
    private const string Test = "sudo -n nixos-rebuild test --flake /etc/nixos#web-1";
    private const string Switch = "sudo -n nixos-rebuild switch --flake /etc/nixos#web-1";
    private const string CheckProtected = "systemctl is-active -- sshd.service";
    private const string Reactivate = "sudo -n /nix/var/nix/profiles/system/bin/switch-to-configuration test";

    private readonly ReplayShell _shell = new ReplayShell(HostName)
        .WithCommand(ReadProfile, "system-42-link\n")
        .WithCommand(ListActive, "sshd.service loaded active running SSH Daemon\n")
        .WithCommand(DryBuild, "", standardError: "these 3 derivations will be built:\n")
        .WithCommand(Test, "", standardError: "activating the configuration...\n")
        .WithCommand(Switch, "", standardError: "activating the configuration...\n")
        .WithCommand(CheckProtected, "active\n")
        .WithCommand(Reactivate, "", standardError: "activating the configuration...\n");

    [Fact]
    public async Task Rebuild_IncidentUnitRecovers_Switches()
    {
        var systemd = new ScriptedSystemdCollector(_shell, before: ["nginx.service"], after: []);
        await using var harness = await StartAsync(systemd);
        var incidentId = await OpenIncidentAsync(harness);

        var outcome = await RebuildAsync(harness, incidentId);

        Assert.Equal(ExecutionStatus.Succeeded, outcome.Status);
        Assert.Contains("The incident's own problem (FailedUnit on nginx.service) is gone.", outcome.Verification, StringComparison.Ordinal);
        Assert.Contains(Switch, _shell.CommandsRun);
        Assert.DoesNotContain(Reactivate, _shell.CommandsRun);
    }

    [Fact]
    public async Task Rebuild_IncidentUnitStillFailed_RollsBack()
    {
        var systemd = new ScriptedSystemdCollector(_shell, before: ["nginx.service"], after: ["nginx.service"]);
        await using var harness = await StartAsync(systemd);
        var incidentId = await OpenIncidentAsync(harness);

        var outcome = await RebuildAsync(harness, incidentId);

        Assert.Equal(ExecutionStatus.VerificationFailed, outcome.Status);
        Assert.Contains("the incident's own problem is still present (FailedUnit on nginx.service", outcome.Verification, StringComparison.Ordinal);
        Assert.DoesNotContain(Switch, _shell.CommandsRun);
        Assert.Contains(Reactivate, _shell.CommandsRun);
        Assert.True(outcome.UndoAttempted);
    }

    [Fact]
    public async Task Rebuild_OtherUnitFailsAfterActivation_RollsBack()
    {
        var systemd = new ScriptedSystemdCollector(_shell, before: ["nginx.service"], after: ["postgresql.service"]);
        await using var harness = await StartAsync(systemd);
        var incidentId = await OpenIncidentAsync(harness);

        var outcome = await RebuildAsync(harness, incidentId);

        Assert.Equal(ExecutionStatus.VerificationFailed, outcome.Status);
        Assert.Contains("new problems appeared after activation: FailedUnit on postgresql.service", outcome.Verification, StringComparison.Ordinal);
        Assert.DoesNotContain(Switch, _shell.CommandsRun);
        Assert.Contains(Reactivate, _shell.CommandsRun);
    }

    [Fact]
    public async Task Rebuild_CollectorFailsAfterActivation_RollsBack()
    {
        // A kind that has nothing to do with units: after activation the network check fails.
        var systemd = new ScriptedSystemdCollector(_shell, before: ["nginx.service"], after: []);
        var network = new ScriptedFailingCollector(_shell, "network");
        await using var harness = await StartAsync(systemd, network);
        var incidentId = await OpenIncidentAsync(harness);

        var outcome = await RebuildAsync(harness, incidentId);

        Assert.Equal(ExecutionStatus.VerificationFailed, outcome.Status);
        Assert.Contains("new problems appeared after activation: CollectorFailed on network", outcome.Verification, StringComparison.Ordinal);
        Assert.DoesNotContain(Switch, _shell.CommandsRun);
    }

    [Fact]
    public async Task Rebuild_UnitReportedByActivation_SwitchesWithoutRollback()
    {
        // A unit that fails during activation, as mount-pstore.service did in a real switch, is
        // named in the outcome and does not undo the switch, with the findings check too.
        var unitFailed = new CommandResult(CommandStatus.Exited, 4, "", Cases.Input("019-nixos-switch-unit-failed.txt", "A"), TimeSpan.FromMilliseconds(1));
        _shell.WithCommandResult(Test, unitFailed).WithCommandResult(Switch, unitFailed);
        var systemd = new ScriptedSystemdCollector(_shell, before: ["nginx.service"], after: ["mount-pstore.service"]);
        await using var harness = await StartAsync(systemd);
        var incidentId = await OpenIncidentAsync(harness);

        var outcome = await RebuildAsync(harness, incidentId);

        Assert.Equal(ExecutionStatus.Succeeded, outcome.Status);
        Assert.Contains("1 unit(s) failed during activation: mount-pstore.service", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("its output already reported them: FailedUnit on mount-pstore.service", outcome.Verification, StringComparison.Ordinal);
        Assert.DoesNotContain(Reactivate, _shell.CommandsRun);
    }

    [Fact]
    public async Task Rebuild_NoIncident_ChecksNewFindingsOnly()
    {
        var systemd = new ScriptedSystemdCollector(_shell, before: [], after: []);
        await using var harness = await StartAsync(systemd);

        var outcome = await RebuildAsync(harness, Guid.NewGuid());

        Assert.Equal(ExecutionStatus.Succeeded, outcome.Status);
        Assert.Contains("No new problem appeared after activation (0 findings, 0 before).", outcome.Verification, StringComparison.Ordinal);
    }

    private static Task<CycleHarness> StartAsync(params ICollector[] collectors) =>
        CycleHarness.StartAsync(collectors, [], new Dictionary<string, string?> { ["Macha:Monitoring:CollectorTimeout"] = "00:00:05" });

    // The incident that the rebuild is meant to fix, as a health cycle would have opened it.
    private static async Task<Guid> OpenIncidentAsync(CycleHarness harness)
    {
        var incident = new IncidentRecord
        {
            Id = Guid.NewGuid(),
            HostName = HostName,
            Kind = nameof(FindingKind.FailedUnit),
            Subject = "nginx.service",
            Fingerprint = Finding.ComputeFingerprint(HostName, FindingKind.FailedUnit, "nginx.service"),
            Severity = "Critical",
            Summary = "nginx.service failed.",
            Evidence = "active=failed sub=failed",
        };
        await using var db = harness.OpenDatabase();
        db.Incidents.Add(incident);
        await db.SaveChangesAsync();
        return incident.Id;
    }

    private Task<ExecutionOutcome> RebuildAsync(CycleHarness harness, Guid incidentId)
    {
        var context = new ActionContext(HostName, incidentId, ActionOrigin.Analyst, "nginx.service fails with the current configuration.", "nginx.service is active.", "Roll back.");
        return harness.Get<ActionExecutor>().ExecuteAsync(new RebuildNixos(context, "/etc/nixos#web-1"), _shell, "alice");
    }

    /// <summary>Reports failed units, one list before nixos-rebuild test ran on the shell and another after.</summary>
    private sealed class ScriptedSystemdCollector(ReplayShell shell, string[] before, string[] after) : ICollector
    {
        public string Name => "systemd";

        public Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
        {
            var units = Activated(shell) ? after : before;
            context.Snapshot.Systemd = new SystemdSection([.. units.Select(unit => new UnitState(unit, "loaded", "failed", "failed", null))], units.Length == 0 ? "running" : "degraded");
            return Task.FromResult(CollectorOutcome.Ok());
        }
    }

    /// <summary>A collector that works until nixos-rebuild test ran on the shell, then fails.</summary>
    private sealed class ScriptedFailingCollector(ReplayShell shell, string name) : ICollector
    {
        public string Name => name;

        public Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(Activated(shell) ? CollectorOutcome.Failed("ip route show exited with code 1: Cannot open netlink socket") : CollectorOutcome.Ok());
    }

    private static bool Activated(ReplayShell shell) => shell.CommandsRun.Contains(Test);
}
