using Bunit;
using Macha.Core.Monitoring;
using Macha.Core.Storage;
using Macha.Web.Components.Controls;

namespace Macha.Tests.Components;

public sealed class HostSummaryTests : MachaBunitContext
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Render_SnapshotWithEverySection_ShowsEachSection()
    {
        var snapshot = FullSnapshot();

        var summary = Render<HostSummary>(parameters => parameters
            .Add(p => p.Snapshot, snapshot)
            .Add(p => p.Findings, Array.Empty<FindingRecord>())
            .Add(p => p.Now, Now));

        Assert.Contains("/srv", summary.Find("[data-test=filesystems]").TextContent, StringComparison.Ordinal);
        Assert.Contains("Unresponsive", summary.Find("[data-test=network-mounts]").TextContent, StringComparison.Ordinal);
        Assert.Contains("exit-code (status 1)", summary.Find("[data-test=failed-units]").TextContent, StringComparison.Ordinal);
        Assert.Contains("postgresql.service", summary.Find("[data-test=transitioning-units]").TextContent, StringComparison.Ordinal);
        Assert.Contains("worker.service", summary.Find("[data-test=service-restarts]").TextContent, StringComparison.Ordinal);
        Assert.Contains("java", summary.Find("[data-test=journal-events]").TextContent, StringComparison.Ordinal);
        Assert.Contains("12.5%", summary.Find("[data-test=pressure]").TextContent, StringComparison.Ordinal);
        Assert.Contains("postgres", summary.Find("[data-test=top-memory]").TextContent, StringComparison.Ordinal);
        Assert.Contains("2 in uninterruptible sleep", summary.Find("[data-test=process-counts]").TextContent, StringComparison.Ordinal);
        Assert.Contains("mirror.example.org", summary.Find("[data-test=network-checks]").TextContent, StringComparison.Ordinal);
        Assert.Contains("kernel changed since boot", summary.Find("[data-test=nixos]").TextContent, StringComparison.Ordinal);
        Assert.Contains("Partial", summary.Find("[data-test=collectors]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_SystemdUnavailable_SaysSoInsteadOfZero()
    {
        var snapshot = new HostSnapshot { HostName = "ct-1", TakenAt = Now };
        snapshot.Collectors.Add(new CollectorStatus("systemd", CollectorState.Unavailable, "systemd is not PID 1", 2));

        var summary = Render<HostSummary>(parameters => parameters
            .Add(p => p.Snapshot, snapshot)
            .Add(p => p.Findings, Array.Empty<FindingRecord>())
            .Add(p => p.Now, Now));

        Assert.Contains("unavailable on this host", summary.Find(".tiles").TextContent, StringComparison.Ordinal);
        Assert.Empty(summary.FindAll("[data-test=failed-units]"));
    }

    private static HostSnapshot FullSnapshot()
    {
        var snapshot = new HostSnapshot
        {
            HostName = "web-1",
            TakenAt = Now,
            Memory = new MemorySection(16L << 30, 8L << 30, "MemAvailable", 2L << 30, 1L << 30),
            Load = new LoadSection(0.5, 0.4, 0.3, 4),
            Boot = new BootSection(TimeSpan.FromDays(3), Now.AddDays(-3), "boot-1"),
            Filesystems = [new FilesystemUsage("/dev/sdb1", "xfs", "/srv", 100L << 30, 40L << 30, 60L << 30, 1000, 10)],
            NetworkMounts = [new NetworkMountStatus("/mnt/nfs", "nfs1:/export", "nfs4", NetworkMountState.Unresponsive, "stat timed out")],
            Systemd = new SystemdSection(
                [new UnitState("nginx.service", "loaded", "failed", "failed", "nginx", new UnitFailureDetails("exit-code", "1", 1, 0, "/lib/systemd/system/nginx.service", null, null, null, null))],
                "degraded",
                TransitioningUnits: [new TransitioningUnit("postgresql.service", "activating", "start", TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(9))],
                ServiceRestarts: [new ServiceRestarts("worker.service", 14, "exit-code", 2)]),
            Journal = new JournalSection(
                [],
                0,
                "s=1",
                Events: [new JournalEvent(JournalEventKind.OomKill, "java", 1, Now, Now, "Out of memory: Killed process 4242 (java)")]),
            Pressure = new PressureSection(
                new ResourcePressure(new PressureAverages(12.5, 3, 1, 100), null),
                new ResourcePressure(new PressureAverages(0, 0, 0, 0), new PressureAverages(0, 0, 0, 0)),
                null),
            Processes = new ProcessesSection(
                [new ProcessInfo(10, "www-data", "nginx", "S", 5, 50L << 20)],
                [new ProcessInfo(20, "postgres", "postgres", "S", 1, 4L << 30)],
                [],
                210,
                2,
                0),
            Network = new NetworkSection(
                true,
                ["ens18"],
                [new NetworkCheck("mirror.example.org", NetworkCheckOutcome.Failed, "not found")],
                []),
            Nixos = new NixosSection(
                new NixosVersion("25.05.1234.abcdef (Warbler)", null, null),
                new NixosGenerations(142, Now.AddDays(-2), 12, 131),
                new NixosSystemLinks("/nix/store/new-system", "/nix/store/old-system", [new NixosBootComponent("kernel", "/nix/store/k2", "/nix/store/k1")]),
                null),
        };
        snapshot.Collectors.Add(new CollectorStatus("disks", CollectorState.Partial, "one mount not checked", 20));
        return snapshot;
    }
}
