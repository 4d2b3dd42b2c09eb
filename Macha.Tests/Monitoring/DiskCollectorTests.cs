using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Collectors;
using Macha.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Monitoring;

public sealed class DiskCollectorTests
{
    private const string SpaceCommand = "df -P -T -l -k";

    private const string InodeCommand = "df -P -i -l";

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
        var context = CreateContext(new ReplayShell().WithCommand(SpaceCommand, SpaceOutput).WithCommand(InodeCommand, InodeOutput));

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.NotNull(context.Snapshot.Filesystems);
        Assert.Equal(["/", "/boot"], context.Snapshot.Filesystems.Select(filesystem => filesystem.MountPoint));
    }

    [Fact]
    public async Task CollectAsync_BindMounts_KeepsShortestMountPointPerDevice()
    {
        var context = CreateContext(new ReplayShell().WithCommand(SpaceCommand, SpaceOutput).WithCommand(InodeCommand, InodeOutput));

        await new DiskCollector().CollectAsync(context);

        var root = Assert.Single(context.Snapshot.Filesystems!, filesystem => filesystem.Source == "/dev/sda2");
        Assert.Equal("/", root.MountPoint);
        Assert.Equal("ext4", root.FilesystemType);
        Assert.Equal(26214400L * 1024, root.SizeBytes);
    }

    [Fact]
    public async Task CollectAsync_InodesExhausted_MergesInodesByMountPoint()
    {
        var context = CreateContext(new ReplayShell().WithCommand(SpaceCommand, SpaceOutput).WithCommand(InodeCommand, InodeOutput));

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
        var context = CreateContext(new ReplayShell().WithCommand(SpaceCommand, SpaceOutput).WithCommand(InodeCommand, InodeOutput));

        await new DiskCollector().CollectAsync(context);

        var boot = Assert.Single(context.Snapshot.Filesystems!, filesystem => filesystem.MountPoint == "/boot");
        Assert.Null(boot.InodesTotal);
        Assert.Null(boot.InodesUsed);
        Assert.Null(boot.InodesUsedPercent);
    }

    [Fact]
    public async Task CollectAsync_DfHangs_ReturnsTimedOut()
    {
        var shell = new ReplayShell().WithHangingCommand(SpaceCommand).WithCommand(InodeCommand, InodeOutput);
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
        var shell = new ReplayShell().WithHangingCommand(SpaceCommand).WithCommand(InodeCommand, InodeOutput);
        var context = CreateContext(shell);

        await new DiskCollector().CollectAsync(context);

        Assert.Equal([SpaceCommand], shell.CommandsRun);
    }

    [Fact]
    public async Task CollectAsync_InodeDfHangs_ReturnsPartialWithSpace()
    {
        var shell = new ReplayShell().WithCommand(SpaceCommand, SpaceOutput).WithHangingCommand(InodeCommand);
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
        var context = CreateContext(new ReplayShell());

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Unavailable, outcome.State);
        Assert.Null(context.Snapshot.Filesystems);
    }

    [Fact]
    public async Task CollectAsync_DfExitsNonZeroWithRows_ReturnsPartial()
    {
        var shell = new ReplayShell()
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
        var shell = new ReplayShell().WithCommand(SpaceCommand, "", exitCode: 1, standardError: "df: invalid option -- 'l'\n");
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
        var context = CreateContext(new ReplayShell().WithCommand(SpaceCommand, output));

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
        var context = CreateContext(new ReplayShell().WithCommand(SpaceCommand, output));

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("overlay, tmpfs", outcome.Detail, StringComparison.Ordinal);
        Assert.Empty(context.Snapshot.Filesystems!);
    }

    [Fact]
    public async Task CollectAsync_UnparsedLinesAmongRows_ReturnsPartialQuotingFirst()
    {
        var output = SpaceOutput + "\n/dev/sdc1      ext4     garbage\n";
        var context = CreateContext(new ReplayShell().WithCommand(SpaceCommand, output).WithCommand(InodeCommand, InodeOutput));

        var outcome = await new DiskCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("/dev/sdc1      ext4     garbage", outcome.Detail, StringComparison.Ordinal);
        Assert.Equal(2, context.Snapshot.Filesystems!.Count);
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

    private static CollectionContext CreateContext(IHostShell shell, TimeSpan? commandTimeout = null) => new()
    {
        Shell = shell,
        Snapshot = new HostSnapshot { HostName = shell.HostName, TakenAt = DateTimeOffset.UnixEpoch },
        Options = new MonitoringOptions { CommandTimeout = commandTimeout ?? TimeSpan.FromMilliseconds(100) },
    };
}
