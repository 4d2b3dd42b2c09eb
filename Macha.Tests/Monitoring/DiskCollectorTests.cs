using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Collectors;
using Macha.Tests.Fakes;
using Macha.Tests.TestData;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Monitoring;

public sealed class DiskCollectorTests
{
    private const string SpaceCommand = "df -P -T -l -k";

    private const string InodeCommand = "df -P -i -l";

    private const string HangingNfsCase = "015-df-hangs-on-nfs.txt";

    private const string WrappedCase = "011-df-wrapped-device-lines.txt";

    private const string InodesCase = "013-df-inodes-exhausted-nixos.txt";

    // The mount table of the host below without network mounts.
    private const string LocalMountInfo = """
        22 27 0:21 / /proc rw,relatime - proc proc rw
        27 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw
        28 27 8:1 / /boot rw,relatime shared:2 - vfat /dev/sda1 rw
        """;

    // The same host with two NFS shares, one of them from the dead server nfs1, a CIFS share whose
    // mount point contains a space, and a 9p share that df -l measures itself.
    private const string NetworkMountInfo = LocalMountInfo + """

        88 27 0:52 / /home rw,relatime shared:40 - nfs4 nfs2:/export/home rw,vers=4.2,hard
        89 27 0:53 / /srv/archive rw,relatime shared:41 - nfs nfs1:/export/archive rw,vers=3,hard
        91 27 0:55 / /mnt/team\040share rw,relatime shared:42 master:7 - cifs //files/team rw,vers=3.1.1
        92 27 0:56 / /mnt/host rw,relatime shared:43 - 9p hostshare rw,trans=virtio
        """;

    private const string HomeProbe = "stat -f -c %S %b %a %f %c %d -- /home";
    private const string ArchiveProbe = "stat -f -c %S %b %a %f %c %d -- /srv/archive";
    private const string TeamProbe = "stat -f -c %S %b %a %f %c %d -- /mnt/team share";
    private const string HostShareProbe = "stat -f -c %S %b %a %f %c %d -- /mnt/host";

    // A NixOS host whose root is out of inodes while its blocks are fine, with /nix/store bind-mounted
    // from the root device and a vfat /boot without inode accounting.
    private const string SpaceOutput = """
        Filesystem     Type        1024-blocks     Used Available Capacity Mounted on
        devtmpfs       devtmpfs         323584        0    323584       0% /dev
        tmpfs          tmpfs           1617920     4505   1613415       1% /run
        /dev/sda2      ext4           26214400 16777216   7864320      69% /nix/store
        /dev/sda2      ext4           26214400 16777216   7864320      69% /
        /dev/sda1      vfat             511980    47104    464876      10% /boot
        overlay        overlay        26214400 16777216   7864320      69% /var/lib/docker/overlay2/abc/merged
        binfmt_misc    binfmt_misc           0        0         0       - /proc/sys/fs/binfmt_misc
        """;

    private const string InodeOutput = """
        Filesystem      Inodes   IUsed  IFree IUse% Mounted on
        devtmpfs        807936     419 807517    1% /dev
        tmpfs           808960    1126 807834    1% /run
        /dev/sda2      1638400 1638392      8  100% /nix/store
        /dev/sda2      1638400 1638392      8  100% /
        /dev/sda1            0       0      0     - /boot
        """;

    [Fact]
    public async Task CollectAsync_TypicalHost_KeepsOnlyStorageFilesystems()
    {
        var context = CreateContext(LocalOnlyHost().WithCommand(SpaceCommand, SpaceOutput).WithCommand(InodeCommand, InodeOutput));

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.NotNull(context.Snapshot.Filesystems);
        Assert.Equal(["/", "/boot"], context.Snapshot.Filesystems.Select(filesystem => filesystem.MountPoint));
    }

    [Fact]
    public async Task CollectAsync_BindMounts_KeepsShortestMountPointPerDevice()
    {
        var context = CreateContext(LocalOnlyHost().WithCommand(SpaceCommand, SpaceOutput).WithCommand(InodeCommand, InodeOutput));

        await new DiskCollector().CollectAsync(context);

        var root = Assert.Single(context.Snapshot.Filesystems!, filesystem => filesystem.Source == "/dev/sda2");
        Assert.Equal("/", root.MountPoint);
        Assert.Equal("ext4", root.FilesystemType);
        Assert.Equal(26214400L * 1024, root.SizeBytes);
    }

    [Fact]
    public async Task CollectAsync_InodesExhausted_MergesInodesByMountPoint()
    {
        var context = CreateContext(LocalOnlyHost().WithCommand(SpaceCommand, SpaceOutput).WithCommand(InodeCommand, InodeOutput));

        await new DiskCollector().CollectAsync(context);

        var root = Assert.Single(context.Snapshot.Filesystems!, filesystem => filesystem.MountPoint == "/");
        Assert.Equal(1638400, root.InodesTotal);
        Assert.Equal(1638392, root.InodesUsed);
        Assert.True(root.InodesUsedPercent > 99.99);
        Assert.True(root.UsedPercent < 70);
    }

    [Fact]
    public async Task CollectAsync_FilesystemWithoutInodes_LeavesInodesNull()
    {
        var context = CreateContext(LocalOnlyHost().WithCommand(SpaceCommand, SpaceOutput).WithCommand(InodeCommand, InodeOutput));

        await new DiskCollector().CollectAsync(context);

        var boot = Assert.Single(context.Snapshot.Filesystems!, filesystem => filesystem.MountPoint == "/boot");
        Assert.Null(boot.InodesTotal);
        Assert.Null(boot.InodesUsed);
        Assert.Null(boot.InodesUsedPercent);
    }

    [Fact]
    public async Task CollectAsync_DfHangs_ReturnsTimedOut()
    {
        var shell = LocalOnlyHost().WithHangingCommand(SpaceCommand).WithCommand(InodeCommand, InodeOutput);
        var context = CreateContext(shell);

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.TimedOut, outcome.State);
        Assert.Contains("filesystem check timed out", outcome.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("0 filesystems", outcome.Detail, StringComparison.Ordinal);
        Assert.Null(context.Snapshot.Filesystems);
    }

    [Fact]
    public async Task CollectAsync_DfHangs_DoesNotStartInodeRun()
    {
        var shell = LocalOnlyHost().WithHangingCommand(SpaceCommand).WithCommand(InodeCommand, InodeOutput);
        var context = CreateContext(shell);

        await new DiskCollector().CollectAsync(context);

        Assert.Equal([SpaceCommand], shell.CommandsRun);
    }

    [Fact]
    public async Task CollectAsync_InodeDfHangs_ReturnsPartialWithSpace()
    {
        var shell = LocalOnlyHost().WithCommand(SpaceCommand, SpaceOutput).WithHangingCommand(InodeCommand);
        var context = CreateContext(shell);

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("Inode use is unknown", outcome.Detail, StringComparison.Ordinal);
        Assert.Contains("timed out", outcome.Detail, StringComparison.Ordinal);
        Assert.Equal(2, context.Snapshot.Filesystems!.Count);
        Assert.All(context.Snapshot.Filesystems, filesystem => Assert.Null(filesystem.InodesTotal));
    }

    [Fact]
    public async Task CollectAsync_DfMissing_ReturnsUnavailable()
    {
        var context = CreateContext(LocalOnlyHost());

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Unavailable, outcome.State);
        Assert.Null(context.Snapshot.Filesystems);
    }

    [Fact]
    public async Task CollectAsync_DfExitsNonZeroWithRows_ReturnsPartial()
    {
        var shell = LocalOnlyHost()
            .WithCommand(SpaceCommand, SpaceOutput, exitCode: 1, standardError: "df: /mnt/secret: Permission denied\n")
            .WithCommand(InodeCommand, InodeOutput);
        var context = CreateContext(shell);

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("Permission denied", outcome.Detail, StringComparison.Ordinal);
        Assert.Equal(2, context.Snapshot.Filesystems!.Count);
    }

    [Fact]
    public async Task CollectAsync_DfExitsNonZeroWithoutRows_ReturnsFailed()
    {
        var shell = LocalOnlyHost().WithCommand(SpaceCommand, "", exitCode: 1, standardError: "df: invalid option -- 'l'\n");
        var context = CreateContext(shell);

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Failed, outcome.State);
        Assert.Contains("invalid option", outcome.Detail, StringComparison.Ordinal);
        Assert.Null(context.Snapshot.Filesystems);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\u0000\u0001\u00ff\ufffd\n\u0002\n")]
    [InlineData("Dateisystem    Typ  1K-Blöcke Benutzt Verfügbar Verw% Eingehängt auf\n/dev/sda1 ext4 100 50 50 50% /\n")]
    [InlineData("Filesystem     Type        1024-blocks     Used Available Capacity Mounted on\n/dev/sda2      ext4     2621")]
    public async Task CollectAsync_UnparsableOutput_ReturnsFailedWithFirstBytes(string output)
    {
        var context = CreateContext(LocalOnlyHost().WithCommand(SpaceCommand, output));

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Failed, outcome.State);
        Assert.NotNull(outcome.FirstBytes);
        Assert.Null(context.Snapshot.Filesystems);
    }

    [Fact]
    public async Task CollectAsync_OnlyPseudoFilesystems_ReturnsPartialNamingThem()
    {
        var output = """
            Filesystem     Type     1024-blocks  Used Available Capacity Mounted on
            overlay        overlay     26214400  1024  26213376       1% /
            tmpfs          tmpfs          65536     0     65536       0% /dev
            """;
        var context = CreateContext(LocalOnlyHost().WithCommand(SpaceCommand, output));

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("overlay, tmpfs", outcome.Detail, StringComparison.Ordinal);
        Assert.Empty(context.Snapshot.Filesystems!);
    }

    [Fact]
    public async Task CollectAsync_UnparsedLinesAmongRows_ReturnsPartialQuotingFirst()
    {
        var output = SpaceOutput + "\n/dev/sdc1      ext4     garbage\n";
        var context = CreateContext(LocalOnlyHost().WithCommand(SpaceCommand, output).WithCommand(InodeCommand, InodeOutput));

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("/dev/sdc1      ext4     garbage", outcome.Detail, StringComparison.Ordinal);
        Assert.Equal(2, context.Snapshot.Filesystems!.Count);
    }

    [Fact]
    public async Task CollectAsync_NetworkMountsRespond_AddsThemWithSpace()
    {
        var context = CreateContext(NetworkHost());

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        var home = Assert.Single(context.Snapshot.Filesystems!, filesystem => filesystem.MountPoint == "/home");
        Assert.Equal("nfs2:/export/home", home.Source);
        Assert.Equal("nfs4", home.FilesystemType);
        Assert.Equal(1000L * 4096, home.SizeBytes);
        Assert.Equal(700L * 4096, home.UsedBytes);
        Assert.Equal(5000, home.InodesTotal);
    }

    [Fact]
    public async Task CollectAsync_NetworkMountsRespond_RecordsEachProbe()
    {
        var context = CreateContext(NetworkHost());

        await new DiskCollector().CollectAsync(context);

        Assert.Equal(["/home", "/srv/archive", "/mnt/team share", "/mnt/host"], context.Snapshot.NetworkMounts!.Select(mount => mount.MountPoint));
        Assert.All(context.Snapshot.NetworkMounts!, mount => Assert.Equal(NetworkMountState.Responsive, mount.State));
    }

    [Fact]
    public async Task CollectAsync_MountPointWithSpace_PassesDecodedPathAsOneArgument()
    {
        var shell = NetworkHost();
        var context = CreateContext(shell);

        await new DiskCollector().CollectAsync(context);

        Assert.Contains(TeamProbe, shell.CommandsRun);
        Assert.Contains(context.Snapshot.Filesystems!, filesystem => filesystem.MountPoint == "/mnt/team share");
    }

    [Fact]
    public async Task CollectAsync_MountMeasuredByDf_IsNotProbed()
    {
        var spaceOutput = SpaceOutput + "\nhostshare      9p             1048576   524288    524288      50% /mnt/host";
        var shell = NetworkHost().WithCommand(SpaceCommand, spaceOutput);
        var context = CreateContext(shell);

        await new DiskCollector().CollectAsync(context);

        Assert.DoesNotContain(HostShareProbe, shell.CommandsRun);
        Assert.Single(context.Snapshot.Filesystems!, filesystem => filesystem.MountPoint == "/mnt/host");
    }

    [Fact]
    public async Task CollectAsync_DeadNfsServer_ReportsOnlyThatMountUnresponsive()
    {
        // Case 015: a stat on a hard mount whose server is gone never returns.
        Assert.Contains("not responding", Cases.Input(HangingNfsCase, "B"), StringComparison.Ordinal);
        var shell = NetworkHost().WithHangingCommand(ArchiveProbe);
        var context = CreateContext(shell, commandTimeout: TimeSpan.FromSeconds(30), networkMountTimeout: TimeSpan.FromMilliseconds(100));

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("/srv/archive (nfs) is unresponsive", outcome.Detail, StringComparison.Ordinal);
        var archive = Assert.Single(context.Snapshot.NetworkMounts!, mount => mount.MountPoint == "/srv/archive");
        Assert.Equal(NetworkMountState.Unresponsive, archive.State);
        Assert.Contains("within 0.1 s", archive.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CollectAsync_DeadNfsServer_StillMeasuresOtherMounts()
    {
        var shell = NetworkHost().WithHangingCommand(ArchiveProbe);
        var context = CreateContext(shell, commandTimeout: TimeSpan.FromSeconds(30), networkMountTimeout: TimeSpan.FromMilliseconds(100));

        await new DiskCollector().CollectAsync(context);

        Assert.Equal(["/", "/boot", "/home", "/mnt/team share", "/mnt/host"], context.Snapshot.Filesystems!.Select(filesystem => filesystem.MountPoint));
    }

    [Fact]
    public async Task CollectAsync_DeadNfsServer_WaitsOnlyTheMountTimeout()
    {
        var shell = NetworkHost().WithHangingCommand(ArchiveProbe).WithHangingCommand(HomeProbe);
        var context = CreateContext(shell, commandTimeout: TimeSpan.FromSeconds(30), networkMountTimeout: TimeSpan.FromMilliseconds(200));

        await new DiskCollector().CollectAsync(context);

        // Both probes run in one batch, so two dead mounts cost one mount timeout, not two and not the command timeout.
        Assert.Equal(2, shell.MaxHangingAtOnce);
        Assert.Equal([TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200)], shell.HangingTimeouts);
    }

    [Fact]
    public async Task CollectAsync_ProbeStillStuckFromLastCycle_ReportsUnresponsive()
    {
        var stuck = new CommandResult(
            CommandStatus.TimedOut, null, "", "", TimeSpan.Zero,
            FailureReason: "its previous run (PID 4242) is still stuck after being killed, so no new one was started");
        var context = CreateContext(NetworkHost().WithCommandResult(ArchiveProbe, stuck));

        await new DiskCollector().CollectAsync(context);

        var archive = Assert.Single(context.Snapshot.NetworkMounts!, mount => mount.MountPoint == "/srv/archive");
        Assert.Equal(NetworkMountState.Unresponsive, archive.State);
        Assert.Contains("PID 4242", archive.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stat: cannot read file system information for '/srv/archive': Stale file handle", NetworkMountState.Unresponsive)]
    [InlineData("stat: cannot read file system information for '/srv/archive': Input/output error", NetworkMountState.Unresponsive)]
    [InlineData("stat: cannot read file system information for '/srv/archive': Permission denied", NetworkMountState.NotChecked)]
    public async Task CollectAsync_ProbeExitsWithError_ClassifiesByMessage(string error, NetworkMountState expected)
    {
        var context = CreateContext(NetworkHost().WithCommand(ArchiveProbe, "", exitCode: 1, standardError: error + "\n"));

        var outcome = await new DiskCollector().CollectAsync(context);

        var archive = Assert.Single(context.Snapshot.NetworkMounts!, mount => mount.MountPoint == "/srv/archive");
        Assert.Equal(expected, archive.State);
        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains(error, outcome.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\u0000\u0001\u00ff\ufffd")]
    [InlineData("4096 1000")]
    public async Task CollectAsync_ProbeOutputUnparsable_ReportsNotCheckedNotHealthy(string output)
    {
        var context = CreateContext(NetworkHost().WithCommand(ArchiveProbe, output));

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Equal(NetworkMountState.NotChecked, context.Snapshot.NetworkMounts!.Single(mount => mount.MountPoint == "/srv/archive").State);
        Assert.DoesNotContain(context.Snapshot.Filesystems!, filesystem => filesystem.MountPoint == "/srv/archive");
    }

    [Fact]
    public async Task CollectAsync_StatMissing_ReportsNotChecked()
    {
        var shell = new ReplayShell()
            .WithCommand(SpaceCommand, SpaceOutput)
            .WithCommand(InodeCommand, InodeOutput)
            .WithFile("/proc/self/mountinfo", NetworkMountInfo);
        var context = CreateContext(shell);

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.All(context.Snapshot.NetworkMounts!, mount => Assert.Equal(NetworkMountState.NotChecked, mount.State));
    }

    [Fact]
    public async Task CollectAsync_NoMountInfo_FallsBackToProcMounts()
    {
        var shell = new ReplayShell()
            .WithCommand(SpaceCommand, SpaceOutput)
            .WithCommand(InodeCommand, InodeOutput)
            .WithFile("/proc/mounts", "/dev/sda2 / ext4 rw 0 0\nnfs2:/export/home /home nfs4 rw,hard 0 0\n")
            .WithCommand(HomeProbe, "4096 1000 250 300 5000 4000\n");
        var context = CreateContext(shell);

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Contains(context.Snapshot.Filesystems!, filesystem => filesystem.MountPoint == "/home");
    }

    [Fact]
    public async Task CollectAsync_NoMountTable_ReturnsPartialNamingBothFiles()
    {
        var shell = new ReplayShell().WithCommand(SpaceCommand, SpaceOutput).WithCommand(InodeCommand, InodeOutput);
        var context = CreateContext(shell);

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("Network mounts were not checked", outcome.Detail, StringComparison.Ordinal);
        Assert.Contains("/proc/mounts", outcome.Detail, StringComparison.Ordinal);
        Assert.Null(context.Snapshot.NetworkMounts);
        Assert.Equal(2, context.Snapshot.Filesystems!.Count);
    }

    [Fact]
    public async Task CollectAsync_WrappedCasePosixOutput_KeepsRootWithItsSize()
    {
        var shell = LocalOnlyHost().WithCommand(SpaceCommand, Cases.Input(WrappedCase, "C"));
        var context = CreateContext(shell);

        await new DiskCollector().CollectAsync(context);

        var root = Assert.Single(context.Snapshot.Filesystems!, filesystem => filesystem.MountPoint == "/");
        Assert.Equal("/dev/mapper/vg_rh_58_v1-LogVol00", root.Source);
        Assert.Equal(22346236L * 1024, root.SizeBytes);
        Assert.Equal(5, context.Snapshot.Filesystems!.Count);
    }

    [Fact]
    public async Task CollectAsync_InodesExhaustedCase_ReportsRootFullOfInodes()
    {
        var shell = LocalOnlyHost()
            .WithCommand(SpaceCommand, Cases.Input(InodesCase, "A1"))
            .WithCommand(InodeCommand, Cases.Input(InodesCase, "A3"));
        var context = CreateContext(shell);

        await new DiskCollector().CollectAsync(context);

        var root = Assert.Single(context.Snapshot.Filesystems!, filesystem => filesystem.MountPoint == "/");
        Assert.Equal(100, root.InodesUsedPercent);
        Assert.True(root.UsedPercent < 85);
        Assert.Null(context.Snapshot.Filesystems!.Single(filesystem => filesystem.MountPoint == "/boot").InodesUsedPercent);
    }

    [Fact]
    public async Task CollectAsync_LocalMachine_FillsFilesystems()
    {
        var shell = new LocalProcessShell("local", NullLogger<LocalProcessShell>.Instance, TimeProvider.System);
        var context = CreateContext(shell, TimeSpan.FromSeconds(10));

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.NotNull(context.Snapshot.Filesystems);
        Assert.NotEmpty(context.Snapshot.Filesystems);
        Assert.All(context.Snapshot.Filesystems, filesystem => Assert.True(filesystem.SizeBytes > 0));
        Assert.DoesNotContain(context.Snapshot.Filesystems, filesystem => filesystem.FilesystemType == "tmpfs");
    }

    private static ReplayShell LocalOnlyHost() => new ReplayShell().WithFile("/proc/self/mountinfo", LocalMountInfo);

    /// <summary>The typical host with its network mounts, each responding to its probe.</summary>
    private static ReplayShell NetworkHost() => new ReplayShell()
        .WithCommand(SpaceCommand, SpaceOutput)
        .WithCommand(InodeCommand, InodeOutput)
        .WithFile("/proc/self/mountinfo", NetworkMountInfo)
        .WithCommand(HomeProbe, "4096 1000 250 300 5000 4000\n")
        .WithCommand(ArchiveProbe, "4096 2000 1000 1000 0 0\n")
        .WithCommand(TeamProbe, "1024 5000 4000 4000 0 0\n")
        .WithCommand(HostShareProbe, "4096 256 128 128 0 0\n");

    private static CollectionContext CreateContext(IHostShell shell, TimeSpan? commandTimeout = null, TimeSpan? networkMountTimeout = null) => new()
    {
        Shell = shell,
        Snapshot = new HostSnapshot { HostName = shell.HostName, TakenAt = DateTimeOffset.UnixEpoch },
        Options = new MonitoringOptions
        {
            CommandTimeout = commandTimeout ?? TimeSpan.FromMilliseconds(100),
            NetworkMountTimeout = networkMountTimeout ?? TimeSpan.FromMilliseconds(100),
        },
    };
}
