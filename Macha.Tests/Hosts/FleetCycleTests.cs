using System.Text.Json;
using Macha.Core.Analysis;
using Macha.Core.Approvals;
using Macha.Core.Cycle;
using Macha.Core.Detection;
using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Storage;
using Macha.Tests.Cycle;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Macha.Tests.Hosts;

/// <summary>
/// Whole health cycles over this machine and real sshd hosts in network namespaces, with Macha's
/// real collectors, detectors, incident tracker, playbooks, approval queue and executor.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FleetCycleTests
{
    private const string FailedUnit = "nginx.service";

    [Fact]
    public async Task Cycle_ThreeHosts_RestartsUnitAfterApproval()
    {
        await using var web = await SshTestHost.CreateAsync("web");
        var webState = Directory.CreateDirectory(Path.Combine(web.Directory, "state")).FullName;
        web.WithFile("/usr/bin/systemctl", StubSystemctl.WithFailedUnit(FailedUnit, webState), executable: true);
        await web.StartAsync();
        await using var db = await SshTestHost.CreateAsync("db");
        db.WithFile("/usr/bin/systemctl", StubSystemctl.Healthy, executable: true)
            .WithFile("/etc/os-release", "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n");
        await db.StartAsync();
        await using var harness = await StartFleetAsync([web, db]);

        var run = await harness.Get<HealthCycle>().RunAsync(CycleTrigger.Manual);
        await harness.Provider.GetServices<IHostedService>().OfType<AnalysisWorker>().Single().RunQueuedAsync(CancellationToken.None);

        Assert.Equal(CycleState.Completed, run.State);
        Assert.Equal(3, run.HostCount);
        await using (var records = harness.OpenDatabase())
        {
            var snapshots = await records.Snapshots.ToListAsync();
            Assert.Equal(["db", "local-test", "web"], snapshots.Select(s => s.HostName).Order().ToArray());

            var webSnapshot = SnapshotJson.Deserialize(snapshots.Single(s => s.HostName == "web").Json)!;
            Assert.Null(webSnapshot.Connection!.Failure);
            Assert.Equal(OsFamily.Debian, webSnapshot.Os!.Family);
            Assert.Equal(CollectorState.NotApplicable, webSnapshot.StatusOf("nixos")!.State);
            Assert.Equal(FailedUnit, Assert.Single(webSnapshot.Systemd!.FailedUnits).Name);

            var dbSnapshot = SnapshotJson.Deserialize(snapshots.Single(s => s.HostName == "db").Json)!;
            Assert.Equal(OsFamily.Alpine, dbSnapshot.Os!.Family);
            Assert.Empty(dbSnapshot.Systemd!.FailedUnits);

            var failed = Assert.Single(await records.Findings.Where(f => f.Kind == nameof(FindingKind.FailedUnit)).ToListAsync());
            Assert.Equal("web", failed.HostName);
            Assert.Empty(await records.Findings.Where(f => f.Kind.StartsWith("Host")).ToListAsync());
        }

        ApprovalRecord approval;
        await using (var records = harness.OpenDatabase())
        {
            approval = await records.Approvals.SingleAsync();
        }

        Assert.Equal("web", approval.HostName);
        Assert.Equal(["sudo", "-n", "systemctl", "restart", "--", FailedUnit], JsonSerializer.Deserialize<string[]>(approval.ArgvJson)!);
        Assert.False(File.Exists(Path.Combine(webState, "restarted")));

        var result = await harness.Get<ApprovalRunner>().ApproveAndRunAsync(approval.Id, "tester", null);

        Assert.Equal(ApprovalRunStatus.Ran, result.Status);
        Assert.Equal(ApprovalState.Succeeded, result.Approval!.State);
        Assert.True(File.Exists(Path.Combine(webState, "restarted")));
        var registry = harness.Get<HostRegistry>();
        Assert.Equal(HostStatus.Online, registry.Find("web")!.Status);
        Assert.Equal("Alpine Linux v3.20", registry.Find("db")!.OsName);
        Assert.Equal(1, registry.FindShell("web")!.HandshakeCount);
    }

    [Fact]
    public async Task Cycle_BrokenHosts_ReportedByKind()
    {
        await using var healthy = await SshTestHost.CreateAsync("healthy");
        healthy.WithFile("/usr/bin/systemctl", StubSystemctl.Healthy, executable: true);
        await healthy.StartAsync();
        await using var down = await SshTestHost.CreateAsync("down");
        down.WithFile("/usr/bin/systemctl", StubSystemctl.GoesDown(down.PidFile), executable: true);
        await down.StartAsync();
        await using var frozen = await SshTestHost.CreateAsync("frozen");
        await frozen.StartAsync();
        await using var rekeyed = await SshTestHost.CreateAsync("rekeyed");
        await rekeyed.StartAsync();
        await using var harness = await StartFleetAsync([healthy, down, frozen, rekeyed]);
        await frozen.FreezeAsync();
        await rekeyed.StopServerAsync();
        await rekeyed.RegenerateHostKeyAsync();
        await rekeyed.StartAsync();

        var run = await harness.Get<HealthCycle>().RunAsync(CycleTrigger.Manual);

        Assert.Equal(CycleState.Completed, run.State);
        await using var records = harness.OpenDatabase();
        var snapshots = (await records.Snapshots.ToListAsync()).ToDictionary(s => s.HostName, s => SnapshotJson.Deserialize(s.Json)!);
        Assert.Null(snapshots["healthy"].Connection!.Failure);
        Assert.NotNull(snapshots["healthy"].Systemd);
        Assert.NotNull(snapshots["local-test"].Memory);
        Assert.Contains(snapshots["down"].Connection!.Failure, new HostFailure?[] { HostFailure.ConnectionLost, HostFailure.ConnectionRefused });
        Assert.NotNull(snapshots["down"].Os);
        Assert.Equal(HostFailure.TimedOut, snapshots["frozen"].Connection!.Failure);
        Assert.Equal(HostFailure.HostKeyMismatch, snapshots["rekeyed"].Connection!.Failure);
        Assert.Equal(rekeyed.HostKeyFingerprint, snapshots["rekeyed"].Connection!.PresentedKeyFingerprint);

        var findings = await records.Findings.ToListAsync();
        Assert.Equal(nameof(FindingKind.HostUnreachable), Assert.Single(findings, f => f.HostName == "down" && f.Kind.StartsWith("Host")).Kind);
        Assert.Equal(nameof(FindingKind.HostUnreachable), Assert.Single(findings, f => f.HostName == "frozen").Kind);
        var keyFinding = Assert.Single(findings, f => f.HostName == "rekeyed");
        Assert.Equal(nameof(FindingKind.HostKeyChanged), keyFinding.Kind);
        Assert.Equal(nameof(Severity.Critical), keyFinding.Severity);
        Assert.Contains(rekeyed.HostKeyFingerprint, keyFinding.Evidence, StringComparison.Ordinal);
        Assert.DoesNotContain(findings, f => f.HostName is "healthy" or "down" && f.Kind == nameof(FindingKind.CollectorFailed));
        Assert.DoesNotContain(findings, f => f.HostName == "healthy" && f.Kind.StartsWith("Host"));

        var registry = harness.Get<HostRegistry>();
        Assert.Equal(HostStatus.Online, registry.Find("healthy")!.Status);
        Assert.Equal(HostStatus.Offline, registry.Find("down")!.Status);
        Assert.Equal(HostStatus.Offline, registry.Find("frozen")!.Status);
        Assert.Equal(HostStatus.HostKeyChanged, registry.Find("rekeyed")!.Status);
        Assert.Empty(await records.Approvals.ToListAsync());
    }

    [Fact]
    public async Task Registry_KeyChangeSurvivesRestart()
    {
        await using var host = await SshHostShellTests.StartHostAsync("moved");
        using var data = new Fakes.TestDataDirectory();
        var settings = FleetSettings([host]);
        settings["Macha:DataDirectory"] = data.Path;
        await using (var first = await CycleHarness.StartAsync(null, settings: settings, useConfiguredInventory: true))
        {
            await host.StopServerAsync();
            await host.RegenerateHostKeyAsync();
            await host.StartAsync();
            await first.Get<HostRegistry>().FindShell("moved")!.ConnectAsync();
        }

        await using var second = await CycleHarness.StartAsync(null, settings: settings, useConfiguredInventory: true);
        var registry = second.Get<HostRegistry>();
        var shell = registry.FindShell("moved")!;

        var blocked = await shell.RunAsync(new CommandRequest("true", [], TimeSpan.FromSeconds(5), 4096));

        Assert.Equal(HostFailure.HostKeyMismatch, blocked.Failure);
        Assert.Equal(0, shell.HandshakeCount);
        Assert.Equal(HostStatus.HostKeyChanged, registry.Find("moved")!.Status);
        Assert.Equal($"ssh-ed25519 {host.HostKeyFingerprint}", registry.Find("moved")!.PresentedKey);
    }

    private static Task<CycleHarness> StartFleetAsync(IReadOnlyList<SshTestHost> hosts) =>
        CycleHarness.StartAsync(null, settings: FleetSettings(hosts), useConfiguredInventory: true);

    private static Dictionary<string, string?> FleetSettings(IReadOnlyList<SshTestHost> hosts)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Macha:LocalHostName"] = "local-test",
            ["Macha:Monitoring:CommandTimeout"] = "00:00:05",
            ["Macha:Monitoring:CollectorTimeout"] = "00:00:20",
            ["Macha:Monitoring:NetworkMountTimeout"] = "00:00:02",
            ["Macha:Actions:RestartSettleTime"] = "00:00:00",
            ["Macha:Hosts:ConnectTimeout"] = "00:00:08",
            ["Macha:Cycle:MaxParallelHosts"] = "8",
        };
        for (var i = 0; i < hosts.Count; i++)
        {
            var prefix = $"Macha:Hosts:Remote:{i}:";
            settings[prefix + "Name"] = hosts[i].Name;
            settings[prefix + "Address"] = hosts[i].Address;
            settings[prefix + "User"] = "root";
            settings[prefix + "PrivateKeyFile"] = hosts[i].ClientKeyFile;
            settings[prefix + "HostKeyFingerprints:0"] = hosts[i].HostKeyFingerprint;
        }

        return settings;
    }
}
