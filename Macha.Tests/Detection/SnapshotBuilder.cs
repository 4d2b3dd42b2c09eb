using Macha.Core.Monitoring;

namespace Macha.Tests.Detection;

/// <summary>
/// Builds a snapshot of a healthy host, on which no detector reports anything, so a test can change
/// one thing and see only that change reported.
/// </summary>
internal sealed class SnapshotBuilder
{
    public const string HostName = "test-host";
    public const string BootId = "5f0c2b9e-8d7a-4c1e-9b3f-2a6d4e8c1f70";
    public const long MiB = 1024L * 1024;
    public const long GiB = 1024L * MiB;

    public static readonly DateTimeOffset TakenAt = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly string[] CollectorNames = ["cpu", "load", "memory", "boot", "disks", "systemd", "journal", "network"];

    private readonly List<FilesystemUsage> _filesystems =
    [
        // Space used 40 / (40 + 55), with 5 GiB reserved for root as ext4 does by default.
        new("/dev/sda2", "ext4", "/", 100 * GiB, 40 * GiB, 55 * GiB, InodesTotal: 6_553_600, InodesUsed: 1_000_000),
        new("/dev/sda1", "vfat", "/boot", 512 * MiB, 100 * MiB, 412 * MiB),
        new("tmpfs", "tmpfs", "/run/user/1000", 1600 * MiB, 0, 1600 * MiB, InodesTotal: 400_000, InodesUsed: 20),
    ];

    private readonly List<UnitState> _failedUnits = [];
    private readonly List<TransitioningUnit> _transitioningUnits = [];
    private readonly List<ServiceRestarts> _serviceRestarts = [];
    private readonly List<CollectorStatus> _collectors = CollectorNames.Select(name => new CollectorStatus(name, CollectorState.Ok, null, 12.5)).ToList();

    // A healthy host still logs the odd error, and two are well below the burst threshold.
    private readonly List<JournalErrorGroup> _journalGroups =
    [
        new("cron.service", "CRON", 3, 2, TakenAt.AddMinutes(-4), TakenAt.AddMinutes(-3), ["pam_unix(cron:session): session opened"]),
    ];

    private bool _hasFilesystems = true;
    private bool _hasSystemd = true;
    private bool _hasJournal = true;
    private CpuSection? _cpu = new(new CpuCounters(100_000, 500, 30_000, 900_000, 2_000, 0, 300, 0), 4, 12.5, 0.5);
    private LoadSection? _load = new(0.4, 0.5, 0.6, 4);
    private MemorySection? _memory = new(16 * GiB, 10 * GiB, "MemAvailable", 4 * GiB, 4 * GiB);
    private BootSection? _boot = new(TimeSpan.FromDays(5), TakenAt - TimeSpan.FromDays(5), BootId);
    private NetworkSection? _network = new(
        true,
        ["lo", "eth0"],
        [new NetworkCheck("example.org", NetworkCheckOutcome.Succeeded, null)],
        [new NetworkCheck("192.0.2.10:443", NetworkCheckOutcome.Succeeded, null)]);

    public SnapshotBuilder WithCpu(CpuSection? cpu)
    {
        _cpu = cpu;
        return this;
    }

    public SnapshotBuilder WithLoad(LoadSection? load)
    {
        _load = load;
        return this;
    }

    public SnapshotBuilder WithMemory(MemorySection? memory)
    {
        _memory = memory;
        return this;
    }

    public SnapshotBuilder WithBoot(BootSection? boot)
    {
        _boot = boot;
        return this;
    }

    public SnapshotBuilder WithNetwork(NetworkSection? network)
    {
        _network = network;
        return this;
    }

    /// <summary>Replaces the filesystem at the same mount point, or adds it.</summary>
    public SnapshotBuilder WithFilesystem(FilesystemUsage filesystem)
    {
        _filesystems.RemoveAll(existing => existing.MountPoint == filesystem.MountPoint);
        _filesystems.Add(filesystem);
        return this;
    }

    public SnapshotBuilder WithoutFilesystems()
    {
        _hasFilesystems = false;
        return this;
    }

    public SnapshotBuilder WithFailedUnit(UnitState unit)
    {
        _failedUnits.Add(unit);
        return this;
    }

    public SnapshotBuilder WithTransitioningUnit(TransitioningUnit unit)
    {
        _transitioningUnits.Add(unit);
        return this;
    }

    public SnapshotBuilder WithServiceRestarts(ServiceRestarts service)
    {
        _serviceRestarts.Add(service);
        return this;
    }

    public SnapshotBuilder WithoutSystemd()
    {
        _hasSystemd = false;
        return this;
    }

    public SnapshotBuilder WithJournalGroup(JournalErrorGroup group)
    {
        _journalGroups.Add(group);
        return this;
    }

    public SnapshotBuilder WithoutJournal()
    {
        _hasJournal = false;
        return this;
    }

    /// <summary>Replaces the status of the collector with the same name, or adds it.</summary>
    public SnapshotBuilder WithCollector(CollectorStatus status)
    {
        _collectors.RemoveAll(existing => existing.Name == status.Name);
        _collectors.Add(status);
        return this;
    }

    public HostSnapshot Build() => new()
    {
        HostName = HostName,
        TakenAt = TakenAt,
        Cpu = _cpu,
        Load = _load,
        Memory = _memory,
        Boot = _boot,
        Filesystems = _hasFilesystems ? _filesystems.ToList() : null,
        Systemd = _hasSystemd
            ? new SystemdSection(
                _failedUnits.ToList(),
                _failedUnits.Count == 0 ? "running" : "degraded",
                TransitioningUnits: _transitioningUnits.ToList(),
                ServiceRestarts: _serviceRestarts.ToList())
            : null,
        Journal = _hasJournal ? new JournalSection(_journalGroups.ToList(), _journalGroups.Sum(group => group.Count), "s=cursor") : null,
        Network = _network,
        Collectors = _collectors.ToList(),
    };

    /// <summary>
    /// A filesystem of 1000 MiB (used plus available) whose space use is <paramref name="usedPerMille"/> tenths of a
    /// percent, so percentages in tests are exact.
    /// </summary>
    public static FilesystemUsage Filesystem(string mountPoint, int usedPerMille, long? inodesTotal = 1000, long? inodesUsed = 10) =>
        new("/dev/vdb1", "ext4", mountPoint, 1000 * MiB, usedPerMille * MiB, (1000 - usedPerMille) * MiB, inodesTotal, inodesUsed);
}
