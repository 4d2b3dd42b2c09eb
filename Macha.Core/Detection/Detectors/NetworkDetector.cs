using Macha.Core.Monitoring;

namespace Macha.Core.Detection.Detectors;

/// <summary>
/// Reports a missing default route and each failed name resolution or reachability check. A check
/// that could not run (<see cref="NetworkCheckOutcome.NotPermitted"/>) gives no information about the network and is skipped.
/// </summary>
internal sealed class NetworkDetector : IDetector
{
    private const string DefaultRouteSubject = "default-route";

    public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous)
    {
        ArgumentNullException.ThrowIfNull(current);

        var network = current.Network;
        if (network is null)
        {
            return [];
        }

        var findings = new List<Finding>();

        // NOTE: HasDefaultRoute is also false when the collector could not read the routing tables, so
        // that case is reported as a missing route until the section tells the two apart.
        if (!network.HasDefaultRoute)
        {
            findings.Add(new Finding(
                current.HostName,
                FindingKind.NoDefaultRoute,
                DefaultRouteSubject,
                Severity.Warning,
                "The host has no default route, so it cannot reach other networks.",
                new EvidenceText().Add("interfaces_up", string.Join(',', network.InterfacesUp)).ToString()));
        }

        foreach (var check in network.DnsChecks.Where(check => check.Outcome == NetworkCheckOutcome.Failed))
        {
            findings.Add(new Finding(
                current.HostName,
                FindingKind.DnsFailure,
                check.Target,
                Severity.Warning,
                $"Resolving {check.Target} failed.",
                new EvidenceText().Add("name", check.Target).Add("detail", check.Detail).ToString()));
        }

        foreach (var check in network.ReachabilityChecks.Where(check => check.Outcome == NetworkCheckOutcome.Failed))
        {
            findings.Add(new Finding(
                current.HostName,
                FindingKind.NetworkUnreachable,
                check.Target,
                Severity.Warning,
                $"{check.Target} is unreachable.",
                new EvidenceText()
                    .Add("target", check.Target)
                    .Add("detail", check.Detail)
                    .Add("default_route", network.HasDefaultRoute ? "yes" : "no")
                    .ToString()));
        }

        return findings;
    }
}
