using Macha.Core.Detection;
using Macha.Core.Detection.Detectors;
using Macha.Core.Monitoring;

namespace Macha.Tests.Detection;

public sealed class NetworkDetectorTests
{
    private static readonly NetworkCheck DnsOk = new("example.org", NetworkCheckOutcome.Succeeded, null);
    private static readonly NetworkCheck ReachOk = new("192.0.2.10:443", NetworkCheckOutcome.Succeeded, null);

    [Fact]
    public void Detect_HealthyBaseline_ReturnsNoFindings()
    {
        Assert.Empty(Detect(new SnapshotBuilder().Build()));
    }

    [Fact]
    public void Detect_NoDefaultRoute_ReturnsWarning()
    {
        var snapshot = new SnapshotBuilder().WithNetwork(new NetworkSection(false, ["lo"], [DnsOk], [ReachOk])).Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal(FindingKind.NoDefaultRoute, finding.Kind);
        Assert.Equal("default-route", finding.Subject);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Equal("interfaces_up=lo", finding.Evidence);
    }

    [Fact]
    public void Detect_DnsChecksFail_ReturnsFindingPerName()
    {
        // systemd-resolved stuck failing DNSSEC validation while the network is up, as in TestData/cases/010.
        var snapshot = new SnapshotBuilder()
            .WithNetwork(new NetworkSection(
                true,
                ["lo", "eth0"],
                [
                    new NetworkCheck("www.nikon.com", NetworkCheckOutcome.Failed, "resolve call failed: DNSSEC validation failed: no-signature"),
                    DnsOk,
                    new NetworkCheck("nixos.org", NetworkCheckOutcome.Failed, "timeout"),
                ],
                [ReachOk]))
            .Build();

        var findings = Detect(snapshot);

        Assert.Equal(["www.nikon.com", "nixos.org"], findings.Select(f => f.Subject));
        Assert.All(findings, f => Assert.Equal(FindingKind.DnsFailure, f.Kind));
        Assert.Equal("Resolving www.nikon.com failed.", findings[0].Summary);
        Assert.Contains("detail=\"resolve call failed: DNSSEC validation failed: no-signature\"", findings[0].Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_ReachabilityCheckFails_ReturnsNetworkUnreachable()
    {
        var snapshot = new SnapshotBuilder()
            .WithNetwork(new NetworkSection(true, ["eth0"], [DnsOk], [new NetworkCheck("192.0.2.20:22", NetworkCheckOutcome.Failed, "connection refused")]))
            .Build();

        var finding = Assert.Single(Detect(snapshot));

        Assert.Equal(FindingKind.NetworkUnreachable, finding.Kind);
        Assert.Equal("192.0.2.20:22", finding.Subject);
        Assert.Equal(Severity.Warning, finding.Severity);
    }

    [Fact]
    public void Detect_ChecksNotPermitted_ReturnsNoFindings()
    {
        // ping without permission to open an ICMP socket gives no information about the network.
        var snapshot = new SnapshotBuilder()
            .WithNetwork(new NetworkSection(
                true,
                ["eth0"],
                [new NetworkCheck("example.org", NetworkCheckOutcome.NotPermitted, "resolvectl missing")],
                [new NetworkCheck("192.0.2.10", NetworkCheckOutcome.NotPermitted, "ping: socket: Operation not permitted")]))
            .Build();

        Assert.Empty(Detect(snapshot));
    }

    [Fact]
    public void Detect_NetworkSectionMissing_ReturnsNoFindings()
    {
        Assert.Empty(Detect(new SnapshotBuilder().WithNetwork(null).Build()));
    }

    private static List<Finding> Detect(HostSnapshot snapshot) => new NetworkDetector().Detect(snapshot, null).ToList();
}
