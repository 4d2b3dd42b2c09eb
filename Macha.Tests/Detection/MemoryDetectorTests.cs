using Macha.Core.Detection;
using Macha.Core.Detection.Detectors;
using Macha.Core.Monitoring;

namespace Macha.Tests.Detection;

public sealed class MemoryDetectorTests
{
    private const long KiB = 1024;
    private const long Total = 1000 * SnapshotBuilder.MiB;

    private readonly TestOptionsMonitor<DetectionOptions> _options = new(new DetectionOptions());

    [Fact]
    public void Detect_HealthyBaseline_ReturnsNoFindings()
    {
        Assert.Empty(Detect(new SnapshotBuilder().Build()));
    }

    [Theory]
    [InlineData(899, null)]
    [InlineData(900, Severity.Warning)]
    [InlineData(969, Severity.Warning)]
    [InlineData(970, Severity.Critical)]
    [InlineData(1000, Severity.Critical)]
    public void Detect_MemoryAroundThresholds_ReturnsExpectedSeverity(long usedMiB, Severity? expected)
    {
        var memory = new MemorySection(Total, Total - (usedMiB * SnapshotBuilder.MiB), "MemAvailable", 0, 0);

        var findings = Detect(new SnapshotBuilder().WithMemory(memory).Build());

        if (expected is null)
        {
            Assert.Empty(findings);
            return;
        }

        var finding = Assert.Single(findings);
        Assert.Equal(FindingKind.MemoryPressure, finding.Kind);
        Assert.Equal("memory", finding.Subject);
        Assert.Equal(expected, finding.Severity);
    }

    [Theory]
    [InlineData(499, null)]
    [InlineData(500, Severity.Warning)]
    [InlineData(899, Severity.Warning)]
    [InlineData(900, Severity.Critical)]
    [InlineData(1000, Severity.Critical)]
    public void Detect_SwapAroundThresholds_ReturnsExpectedSeverity(long swapUsedMiB, Severity? expected)
    {
        var memory = new MemorySection(16 * SnapshotBuilder.GiB, 10 * SnapshotBuilder.GiB, "MemAvailable", Total, Total - (swapUsedMiB * SnapshotBuilder.MiB));

        var findings = Detect(new SnapshotBuilder().WithMemory(memory).Build());

        if (expected is null)
        {
            Assert.Empty(findings);
            return;
        }

        var finding = Assert.Single(findings);
        Assert.Equal(FindingKind.SwapUsage, finding.Kind);
        Assert.Equal("swap", finding.Subject);
        Assert.Equal(expected, finding.Severity);
    }

    [Fact]
    public void Detect_MemoryPressure_SummaryGivesPercentAndAvailable()
    {
        var memory = new MemorySection(16 * SnapshotBuilder.GiB, 512 * SnapshotBuilder.MiB, "MemAvailable", 0, 0);

        var finding = Assert.Single(Detect(new SnapshotBuilder().WithMemory(memory).Build()));

        Assert.Equal("Memory is 96% used (512.0 MiB available).", finding.Summary);
        Assert.Contains("used=96.9%", finding.Evidence, StringComparison.Ordinal);
        Assert.Contains("total=16.0GiB", finding.Evidence, StringComparison.Ordinal);
        Assert.Contains("available_from=MemAvailable", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_LxcfsContainerMeminfo_ReturnsNoFindings()
    {
        // TestData/cases/016-meminfo-container-and-old-kernel.txt, input A: lxcfs shows the container's
        // 4 GiB limit as MemTotal, while Active and SUnreclaim leak the host's much larger values and
        // must not matter. Used is 35%, swap 28%.
        var memory = new MemorySection(4_194_304 * KiB, 2_716_972 * KiB, "MemAvailable", 3_743_316 * KiB, 2_680_184 * KiB);

        Assert.Empty(Detect(new SnapshotBuilder().WithMemory(memory).Build()));
    }

    [Fact]
    public void Detect_OpenVzFallbackMeminfo_ReturnsNoFindings()
    {
        // The same file, input B: no MemAvailable line and MemFree 0, so the collector sums MemFree,
        // Buffers and Cached. Used is 24%, and SwapTotal 0 means the host has no swap.
        var memory = new MemorySection(2_097_152 * KiB, 1_600_704 * KiB, "MemFree+Buffers+Cached", 0, 0);

        Assert.Empty(Detect(new SnapshotBuilder().WithMemory(memory).Build()));
    }

    [Fact]
    public void Detect_ZeroTotalMemory_ReturnsNoFindings()
    {
        var memory = new MemorySection(0, 0, "MemAvailable", 0, 0);

        Assert.Empty(Detect(new SnapshotBuilder().WithMemory(memory).Build()));
    }

    [Fact]
    public void Detect_NoSwapConfigured_ReturnsNoSwapFinding()
    {
        var memory = new MemorySection(16 * SnapshotBuilder.GiB, 10 * SnapshotBuilder.GiB, "MemAvailable", 0, 0);

        Assert.Empty(Detect(new SnapshotBuilder().WithMemory(memory).Build()));
    }

    [Fact]
    public void Detect_SeverityRises_FingerprintUnchanged()
    {
        var warning = Assert.Single(Detect(new SnapshotBuilder().WithMemory(new MemorySection(Total, 80 * SnapshotBuilder.MiB, "MemAvailable", 0, 0)).Build()));
        var critical = Assert.Single(Detect(new SnapshotBuilder().WithMemory(new MemorySection(Total, 10 * SnapshotBuilder.MiB, "MemAvailable", 0, 0)).Build()));

        Assert.Equal(Severity.Warning, warning.Severity);
        Assert.Equal(Severity.Critical, critical.Severity);
        Assert.Equal(warning.Fingerprint, critical.Fingerprint);
    }

    [Fact]
    public void Detect_MemorySectionMissing_ReturnsNoFindings()
    {
        Assert.Empty(Detect(new SnapshotBuilder().WithMemory(null).Build()));
    }

    private List<Finding> Detect(HostSnapshot snapshot) => new MemoryDetector(_options).Detect(snapshot, null).ToList();
}
