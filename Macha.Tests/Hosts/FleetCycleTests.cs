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

    /// <summary>
    /// One cycle over a fleet where every failure kind happens at once, next to a host with a failed
    /// unit: the failures are told apart, and the healthy host is still collected, gets its restart
    /// proposed, and after approval the unit is restarted on it.
    /// </summary>
    [Fact]
    public async Task Cycle_EveryFailureKind_RestOfFleetUnaffected()
    {
        await using var healthy = await SshTestHost.CreateAsync("healthy");
        var healthyState = Directory.CreateDirectory(Path.Combine(healthy.Directory, "state")).FullName;
        healthy.WithFile("/usr/bin/systemctl", StubSystemctl.WithFailedUnit(FailedUnit, healthyState), executable: true);
        await healthy.StartAsync();
        await using var down = await SshTestHost.CreateAsync("down");
        down.WithFile("/usr/bin/systemctl", StubSystemctl.GoesDown(down.PidFile), executable: true);
        await down.StartAsync();
        await using var frozen = await SshTestHost.CreateAsync("frozen");
        await frozen.StartAsync();
        await using var rekeyed = await SshTestHost.CreateAsync("rekeyed");
        await rekeyed.StartAsync();
        await using var wrongKey = await SshTestHost.CreateAsync("wrongkey");
        await wrongKey.StartAsync();
        var otherKey = Path.Combine(wrongKey.Directory, "other_key");
        await SshTestHost.GenerateKeyAsync(otherKey);
        await using var noSudo = await SshTestHost.CreateAsync("nosudo");
        var noSudoState = Directory.CreateDirectory(Path.Combine(noSudo.Directory, "state")).FullName;
        noSudo.WithFile("/usr/bin/systemctl", StubSystemctl.WithFailedUnit(FailedUnit, noSudoState), executable: true);
        await noSudo.StartAsync();
        await using var refused = await SshTestHost.CreateAsync("refused");
        await using var unreachable = await SshTestHost.CreateAsync("unreachable");

        var settings = FleetSettings([healthy, down, frozen, rekeyed, wrongKey, noSudo, refused, unreachable]);
        settings[RemoteKey(4, "PrivateKeyFile")] = otherKey;
        settings[RemoteKey(5, "User")] = SshTestHost.UnprivilegedUser;
        settings[RemoteKey(7, "Address")] = unreachable.UnusedAddress;
        await using var harness = await CycleHarness.StartAsync(null, settings: settings, useConfiguredInventory: true);
        await frozen.FreezeAsync();
        await rekeyed.StopServerAsync();
        await rekeyed.RegenerateHostKeyAsync();
        await rekeyed.StartAsync();

        var run = await harness.Get<HealthCycle>().RunAsync(CycleTrigger.Manual);
        await harness.Provider.GetServices<IHostedService>().OfType<AnalysisWorker>().Single().RunQueuedAsync(CancellationToken.None);

        Assert.Equal(CycleState.Completed, run.State);
        Assert.Equal(9, run.HostCount);
        await using (var records = harness.OpenDatabase())
        {
            var snapshots = (await records.Snapshots.ToListAsync()).ToDictionary(s => s.HostName, s => SnapshotJson.Deserialize(s.Json)!);
            Assert.Null(snapshots["healthy"].Connection!.Failure);
            Assert.Equal(FailedUnit, Assert.Single(snapshots["healthy"].Systemd!.FailedUnits).Name);
            Assert.NotNull(snapshots["local-test"].Memory);
            Assert.Null(snapshots["nosudo"].Connection!.Failure);
            Assert.Equal(FailedUnit, Assert.Single(snapshots["nosudo"].Systemd!.FailedUnits).Name);
            Assert.Contains(snapshots["down"].Connection!.Failure, new HostFailure?[] { HostFailure.ConnectionLost, HostFailure.ConnectionRefused });
            Assert.NotNull(snapshots["down"].Os);
            Assert.Equal(HostFailure.TimedOut, snapshots["frozen"].Connection!.Failure);
            Assert.Equal(HostFailure.HostKeyMismatch, snapshots["rekeyed"].Connection!.Failure);
            Assert.Equal(rekeyed.HostKeyFingerprint, snapshots["rekeyed"].Connection!.PresentedKeyFingerprint);
            Assert.Equal(HostFailure.AuthenticationFailed, snapshots["wrongkey"].Connection!.Failure);
            Assert.Equal(HostFailure.ConnectionRefused, snapshots["refused"].Connection!.Failure);
            Assert.Equal(HostFailure.Unreachable, snapshots["unreachable"].Connection!.Failure);

            var findings = await records.Findings.ToListAsync();
            Assert.Equal(nameof(FindingKind.HostUnreachable), Assert.Single(findings, f => f.HostName == "down" && f.Kind.StartsWith("Host")).Kind);
            Assert.Equal(nameof(FindingKind.HostUnreachable), Assert.Single(findings, f => f.HostName == "frozen").Kind);
            Assert.Equal(nameof(FindingKind.HostUnreachable), Assert.Single(findings, f => f.HostName == "refused").Kind);
            Assert.Equal(nameof(FindingKind.HostUnreachable), Assert.Single(findings, f => f.HostName == "unreachable").Kind);
            Assert.Equal(nameof(FindingKind.HostAccessDenied), Assert.Single(findings, f => f.HostName == "wrongkey").Kind);
            var keyFinding = Assert.Single(findings, f => f.HostName == "rekeyed");
            Assert.Equal(nameof(FindingKind.HostKeyChanged), keyFinding.Kind);
            Assert.Equal(nameof(Severity.Critical), keyFinding.Severity);
            Assert.Contains(rekeyed.HostKeyFingerprint, keyFinding.Evidence, StringComparison.Ordinal);
            Assert.Single(findings, f => f.HostName == "healthy" && f.Kind == nameof(FindingKind.FailedUnit));
            Assert.Single(findings, f => f.HostName == "nosudo" && f.Kind == nameof(FindingKind.FailedUnit));
            Assert.DoesNotContain(findings, f => f.HostName is "healthy" or "nosudo" && f.Kind.StartsWith("Host"));
            Assert.DoesNotContain(findings, f => f.HostName is "healthy" or "down" or "nosudo" && f.Kind == nameof(FindingKind.CollectorFailed));
        }

        var registry = harness.Get<HostRegistry>();
        Assert.Equal(HostStatus.Online, registry.Find("healthy")!.Status);
        Assert.Equal(HostStatus.Online, registry.Find("nosudo")!.Status);
        Assert.Equal(HostStatus.Offline, registry.Find("down")!.Status);
        Assert.Equal(HostStatus.Offline, registry.Find("frozen")!.Status);
        Assert.Equal(HostStatus.Offline, registry.Find("refused")!.Status);
        Assert.Equal(HostStatus.Offline, registry.Find("unreachable")!.Status);
        Assert.Equal(HostStatus.AccessDenied, registry.Find("wrongkey")!.Status);
        Assert.Equal(HostStatus.HostKeyChanged, registry.Find("rekeyed")!.Status);
        Assert.Equal(1, registry.FindShell("healthy")!.HandshakeCount);
        Assert.Equal(1, registry.FindShell("wrongkey")!.HandshakeCount);

        List<ApprovalRecord> approvals;
        await using (var records = harness.OpenDatabase())
        {
            approvals = await records.Approvals.OrderBy(a => a.HostName).ToListAsync();
        }

        Assert.Equal(["healthy", "nosudo"], approvals.Select(a => a.HostName).ToArray());
        Assert.All(approvals, a => Assert.Equal(["sudo", "-n", "systemctl", "restart", "--", FailedUnit], JsonSerializer.Deserialize<string[]>(a.ArgvJson)!));

        var restarted = await harness.Get<ApprovalRunner>().ApproveAndRunAsync(approvals[0].Id, "tester", null);
        var needsPassword = await harness.Get<ApprovalRunner>().ApproveAndRunAsync(approvals[1].Id, "tester", null);

        Assert.Equal(ApprovalState.Succeeded, restarted.Approval!.State);
        Assert.True(File.Exists(Path.Combine(healthyState, "restarted")));
        Assert.Equal(ApprovalState.Failed, needsPassword.Approval!.State);
        Assert.Contains("needs a password", needsPassword.Execution!.Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(noSudoState, "restarted")));
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

    [Fact]
    public async Task Cycle_ConfirmBeforeHostCheck_UsesNewAddress()
    {
        await using var host = await SshHostShellTests.StartHostAsync("corrected");
        var gate = new GateCollector("local-test");
        var settings = FleetSettings([]);
        settings["Macha:Cycle:MaxParallelHosts"] = "1";
        await using var harness = await CycleHarness.StartAsync([gate], settings: settings, useConfiguredInventory: true);
        var registry = harness.Get<HostRegistry>();
        // Nothing listens on port 1 of the loopback address; the corrected address is the sshd's.
        await registry.AddAsync(new HostDefinition("corrected", "127.0.0.1", 1, "root", host.ClientKeyFile, null, null, null), "tester");

        // With one host at a time, the run checks the local host first, and the gate stops it there
        // after the run has listed the hosts and before it checks this one.
        var run = harness.Get<HealthCycle>().RunAsync(CycleTrigger.Manual);
        await gate.Entered;
        var confirmed = await registry.ConfirmAsync("corrected", new HostConfirmation(null, host.Address, SshTestHost.Port), "tester");
        gate.Release();
        var finished = await run;

        var record = registry.Find("corrected")!;
        var shell = Assert.IsType<SshHostShell>(registry.FindHost("corrected"));
        Assert.Equal(HostChangeStatus.Succeeded, confirmed.Status);
        Assert.Equal(CycleState.Completed, finished.State);
        Assert.Equal(1, shell.HandshakeCount);
        Assert.Equal($"ssh-ed25519 {host.HostKeyFingerprint}", record.PresentedKey);
        Assert.Equal(nameof(HostFailure.HostKeyNotPinned), record.Failure);
    }

    [Fact]
    public async Task Cycle_ConfirmDuringHandshake_ChecksNewAddress()
    {
        await using var old = await SshHostShellTests.StartHostAsync("oldaddress");
        await using var host = await SshHostShellTests.StartHostAsync("newaddress");
        await using var proxy = GatedTcpProxy.Start(old.Address, SshTestHost.Port);
        await using var harness = await CycleHarness.StartAsync([], settings: FleetSettings([]), useConfiguredInventory: true);
        var registry = harness.Get<HostRegistry>();
        await registry.AddAsync(new HostDefinition("moving", "127.0.0.1", proxy.Port, "root", old.ClientKeyFile, null, null, null), "tester");
        var oldShell = Assert.IsType<SshHostShell>(registry.FindHost("moving"));

        // The proxy stops the handshake with the old address before the server's first bytes, so the
        // old address presents its key only after the confirmation.
        var run = harness.Get<HealthCycle>().RunAsync(CycleTrigger.Manual);
        await proxy.Accepted;
        var confirmed = await registry.ConfirmAsync("moving", new HostConfirmation(null, host.Address, SshTestHost.Port), "tester");
        proxy.Release();
        var finished = await run;

        var record = registry.Find("moving")!;
        var newShell = Assert.IsType<SshHostShell>(registry.FindHost("moving"));
        Assert.Equal(HostChangeStatus.Succeeded, confirmed.Status);
        Assert.Equal(CycleState.Completed, finished.State);
        Assert.NotSame(oldShell, newShell);
        Assert.Equal(1, newShell.HandshakeCount);
        Assert.Equal($"ssh-ed25519 {host.HostKeyFingerprint}", record.PresentedKey);
        Assert.Equal(nameof(HostFailure.HostKeyNotPinned), record.Failure);
        Assert.True(HostTrust.NeedsKey(record));
        Assert.Equal(HostChangeStatus.Succeeded, (await registry.ConfirmAsync("moving", host.HostKeyFingerprint, "tester")).Status);
    }

    private static Task<CycleHarness> StartFleetAsync(IReadOnlyList<SshTestHost> hosts) =>
        CycleHarness.StartAsync(null, settings: FleetSettings(hosts), useConfiguredInventory: true);

    private static Dictionary<string, string?> FleetSettings(IReadOnlyList<SshTestHost> hosts)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Macha:LocalHostName"] = "local-test",
            // Upper bounds for commands on hosts that respond. Every failing host here fails at the
            // connection, so no test waits for a command to time out.
            ["Macha:Monitoring:CommandTimeout"] = "00:00:30",
            ["Macha:Monitoring:CollectorTimeout"] = "00:01:00",
            ["Macha:Monitoring:NetworkMountTimeout"] = "00:00:02",
            ["Macha:Actions:RestartSettleTime"] = "00:00:00",
            ["Macha:Hosts:ConnectTimeout"] = "00:00:08",
            ["Macha:Cycle:MaxParallelHosts"] = "8",
        };
        for (var i = 0; i < hosts.Count; i++)
        {
            settings[RemoteKey(i, "Name")] = hosts[i].Name;
            settings[RemoteKey(i, "Address")] = hosts[i].Address;
            settings[RemoteKey(i, "User")] = "root";
            settings[RemoteKey(i, "PrivateKeyFile")] = hosts[i].ClientKeyFile;
            settings[RemoteKey(i, "HostKeyFingerprints:0")] = hosts[i].HostKeyFingerprint;
        }

        return settings;
    }

    private static string RemoteKey(int index, string key) => $"Macha:Hosts:Remote:{index}:{key}";

    /// <summary>Blocks the collection on one host until the test releases it.</summary>
    private sealed class GateCollector(string hostName) : ICollector
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "gate";

        public Task Entered => _entered.Task;

        public void Release() => _released.TrySetResult();

        public async Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
        {
            if (context.Shell.HostName == hostName)
            {
                _entered.TrySetResult();
                await _released.Task.WaitAsync(cancellationToken);
            }

            return CollectorOutcome.Ok();
        }
    }
}
