using Macha.Core.Detection;
using Macha.Core.Detection.Detectors;
using Macha.Core.Monitoring;

namespace Macha.Tests.Detection;

public sealed class NixosDetectorTests
{
    private const string System = "/nix/store/l9r346p3d25vs4g5v37f3r3f28js97kb-nixos-system-web1-24.11.719113.50ab793786d9";
    private const string SwitchedSystem = "/nix/store/rr6yr3c4dwa7m36096p14dq9hnpy77zx-nixos-system-web1-25.05.806273.650e572363c0";
    private const string Kernel = "/nix/store/r5aa819x9yn981068vcd1hdjglhs83nx-linux-6.12.28/bzImage";
    private const string NewKernel = "/nix/store/1iyhcnwnp5f6fycmdy0yn57qcybvm5rx-linux-6.12.30/bzImage";
    private const string Initrd = "/nix/store/hcw8s7rwl4gv4dk79p9h8xf6rzafavrm-initrd-linux-6.12.28/initrd";
    private const string NewInitrd = "/nix/store/s891wb09b9y73ly63gci26w14wlciwyg-initrd-linux-6.12.30/initrd";

    private readonly TestOptionsMonitor<DetectionOptions> _options = new(new DetectionOptions());

    [Fact]
    public void Detect_HealthyNixosHost_ReturnsNoFindings()
    {
        var findings = Detect(Healthy());

        Assert.Empty(findings);
    }

    [Fact]
    public void Detect_NotNixos_ReturnsNoFindings()
    {
        var findings = Detect(new SnapshotBuilder().Build());

        Assert.Empty(findings);
    }

    [Fact]
    public void Detect_NewKernelNotBooted_ReturnsRebootWarning()
    {
        var snapshot = Healthy(nixos => nixos with { SystemLinks = Links(SwitchedSystem, new("kernel", NewKernel, Kernel), new("initrd", NewInitrd, Initrd)) });

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal(FindingKind.NixosRebootPending, finding.Kind);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Equal("/run/booted-system", finding.Subject);
        Assert.Equal("The host runs linux-6.12.28 but is configured for linux-6.12.30; a reboot is needed to run the new kernel.", finding.Summary);
        Assert.Contains("changed=kernel,initrd", finding.Evidence, StringComparison.Ordinal);
        Assert.Contains($"booted_kernel={Kernel}", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_OnlyInitrdChanged_ReturnsRebootInfo()
    {
        var snapshot = Healthy(nixos => nixos with { SystemLinks = Links(SwitchedSystem, new("kernel", Kernel, Kernel), new("initrd", NewInitrd, Initrd)) });

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal(FindingKind.NixosRebootPending, finding.Kind);
        Assert.Equal(Severity.Info, finding.Severity);
        Assert.Equal("The switched-to configuration has a new initrd; it takes effect at the next reboot.", finding.Summary);
    }

    [Fact]
    public void Detect_SwitchedWithSameKernel_ReturnsNoFindings()
    {
        var snapshot = Healthy(nixos => nixos with { SystemLinks = Links(SwitchedSystem, new("kernel", Kernel, Kernel), new("initrd", Initrd, Initrd)) });

        var findings = Detect(snapshot);

        Assert.Empty(findings);
    }

    [Fact]
    public void Detect_RebootStateUnknown_ReturnsNoRebootFinding()
    {
        var snapshot = Healthy(nixos => nixos with { SystemLinks = null });

        var findings = Detect(snapshot);

        Assert.Empty(findings);
    }

    [Theory]
    [InlineData(50, false)]
    [InlineData(51, true)]
    [InlineData(80, true)]
    public void Detect_GenerationCountAroundThreshold_WarnsAboveIt(int count, bool expected)
    {
        var snapshot = Healthy(nixos => nixos with { Generations = new NixosGenerations(142, null, count, 143 - count) });

        var findings = Detect(snapshot);

        Assert.Equal(expected, findings.Any(finding => finding.Kind == FindingKind.NixosManyGenerations));
    }

    [Fact]
    public void Detect_EightyGenerations_SuggestsGarbageCollection()
    {
        var snapshot = Healthy(nixos => nixos with { Generations = new NixosGenerations(142, null, 80, 63) });

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Equal("/nix/var/nix/profiles/system", finding.Subject);
        Assert.StartsWith("The host keeps 80 NixOS system generations, more than 50,", finding.Summary, StringComparison.Ordinal);
        Assert.Contains("nix-collect-garbage --delete-older-than", finding.Summary, StringComparison.Ordinal);
        Assert.Contains("--dry-run", finding.Summary, StringComparison.Ordinal);
        Assert.Contains("generations=80 oldest=63 current=142", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_ConfiguredGenerationThreshold_UsesIt()
    {
        _options.CurrentValue = new DetectionOptions { NixosGenerationsWarningCount = 10 };
        var snapshot = Healthy();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal(FindingKind.NixosManyGenerations, finding.Kind);
    }

    [Theory]
    [InlineData(849, null)]
    [InlineData(850, Severity.Warning)]
    [InlineData(970, Severity.Critical)]
    public void Detect_SeparateStoreFilesystem_UsesDiskThresholds(int usedPerMille, Severity? expected)
    {
        var store = StoreFilesystem("/dev/nvme0n1p3", usedPerMille);
        var snapshot = Healthy(nixos => nixos with { Store = store });

        var findings = Detect(snapshot);

        Assert.Equal(expected, findings.SingleOrDefault(finding => finding.Kind == FindingKind.NixosStoreSpaceLow)?.Severity);
    }

    [Fact]
    public void Detect_StoreAt97Percent_NamesStoreAndSuggestsGarbageCollection()
    {
        var snapshot = Healthy(nixos => nixos with { Store = StoreFilesystem("/dev/nvme0n1p3", 970) });

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal("/nix/store", finding.Subject);
        Assert.StartsWith("The filesystem of the Nix store (/nix/store) is 97% full (30.0 MiB free).", finding.Summary, StringComparison.Ordinal);
        Assert.Contains("nix-collect-garbage", finding.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_StoreOnRootListedByDisks_ReturnsNoDuplicate()
    {
        // The disks collector lists /dev/sda2 at "/", and df of /nix/store names the bind mount.
        var fullRoot = new FilesystemUsage("/dev/sda2", "ext4", "/", 1000 * SnapshotBuilder.MiB, 970 * SnapshotBuilder.MiB, 30 * SnapshotBuilder.MiB);
        var snapshot = Healthy(
            nixos => nixos with { Store = fullRoot with { FilesystemType = null, MountPoint = "/nix/store" } },
            builder => builder.WithFilesystem(fullRoot));

        var findings = Detect(snapshot);

        Assert.Empty(findings);
    }

    [Fact]
    public void Detect_StoreMountPointListedByDisks_ReturnsNoDuplicate()
    {
        var store = StoreFilesystem("/dev/nvme0n1p3", 970) with { MountPoint = "/nix" };
        var snapshot = Healthy(nixos => nixos with { Store = store }, builder => builder.WithFilesystem(store with { Source = "/dev/disk/by-label/nix" }));

        var findings = Detect(snapshot);

        Assert.Empty(findings);
    }

    [Fact]
    public void Detect_DisksCollectorFailed_ReportsStore()
    {
        var snapshot = Healthy(nixos => nixos with { Store = StoreFilesystem("/dev/sda2", 970) }, builder => builder.WithoutFilesystems());

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal(FindingKind.NixosStoreSpaceLow, finding.Kind);
    }

    [Fact]
    public void Detect_StoreInodesExhausted_ReturnsCriticalStoreFinding()
    {
        var store = StoreFilesystem("/dev/nvme0n1p3", 690) with { InodesTotal = 1_638_400, InodesUsed = 1_638_392 };
        var snapshot = Healthy(nixos => nixos with { Store = store });

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal(FindingKind.NixosStoreSpaceLow, finding.Kind);
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Contains("has used 99% of its inodes (8 left)", finding.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("% full", finding.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_StoreUnderIgnoredPrefix_ReturnsNoFindings()
    {
        _options.CurrentValue = new DetectionOptions { IgnoredMountPointPrefixes = ["/run/user/", "/nix/"] };
        var snapshot = Healthy(nixos => nixos with { Store = StoreFilesystem("/dev/nvme0n1p3", 970) });

        var findings = Detect(snapshot);

        Assert.Empty(findings);
    }

    private List<Finding> Detect(HostSnapshot snapshot) => new NixosDetector(_options).Detect(snapshot, null).ToList();

    /// <summary>
    /// A healthy NixOS host: booted into its current system, 12 generations, and the store on the root
    /// filesystem that the disks collector already lists.
    /// </summary>
    private static HostSnapshot Healthy(Func<NixosSection, NixosSection>? change = null, Func<SnapshotBuilder, SnapshotBuilder>? changeHost = null)
    {
        var builder = changeHost is null ? new SnapshotBuilder() : changeHost(new SnapshotBuilder());
        var snapshot = builder.Build();
        var nixos = new NixosSection(
            new NixosVersion("24.11.719113.50ab793786d9 (Vicuna)", "50ab793786d9de88ee30ec4e4c24fb4236fc2674", null),
            new NixosGenerations(142, SnapshotBuilder.TakenAt.AddDays(-10), 12, 131),
            Links(System, new("kernel", Kernel, Kernel), new("initrd", Initrd, Initrd)),
            new FilesystemUsage("/dev/sda2", null, "/nix/store", 100 * SnapshotBuilder.GiB, 40 * SnapshotBuilder.GiB, 55 * SnapshotBuilder.GiB, 6_553_600, 1_000_000));
        snapshot.Nixos = change is null ? nixos : change(nixos);
        return snapshot;
    }

    private static NixosSystemLinks Links(string currentSystem, params NixosBootComponent[] components) =>
        new(currentSystem, System, components);

    /// <summary>A store filesystem of 1000 MiB whose used share is <paramref name="usedPerMille"/> tenths of a percent.</summary>
    private static FilesystemUsage StoreFilesystem(string source, int usedPerMille) =>
        new(source, null, "/nix/store", 1000 * SnapshotBuilder.MiB, usedPerMille * SnapshotBuilder.MiB, (1000 - usedPerMille) * SnapshotBuilder.MiB, 1000, 10);
}
