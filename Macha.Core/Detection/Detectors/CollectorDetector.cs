using System.Globalization;
using Macha.Core.Monitoring;

namespace Macha.Core.Detection.Detectors;

/// <summary>
/// Reports collectors that failed or timed out, so missing data never reads as a healthy host. A
/// collector that cannot run on the host (<see cref="CollectorState.Unavailable"/>) is not a fault of the host.
/// </summary>
internal sealed class CollectorDetector : IDetector
{
    /// <summary>Name of the collector that runs df. A hung df means a mounted filesystem does not respond.</summary>
    internal const string DisksCollectorName = "disks";

    public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous)
    {
        ArgumentNullException.ThrowIfNull(current);

        // Collectors that failed because the SSH connection broke are covered by the one connection finding.
        if (current.Connection?.Failure is not null)
        {
            return [];
        }

        var findings = new List<Finding>();
        foreach (var status in current.Collectors)
        {
            if (status.State is not (CollectorState.Failed or CollectorState.TimedOut))
            {
                continue;
            }

            var evidence = new EvidenceText()
                .Add("state", status.State.ToString())
                .Add("elapsed_ms", Math.Round(status.ElapsedMs).ToString(CultureInfo.InvariantCulture))
                .Add("detail", status.Detail)
                .Add("output_start", status.FirstBytes)
                .ToString();

            // A stat or df on a hard-mounted NFS share whose server is gone blocks until the timeout,
            // so the timeout itself is the symptom, not a fault of the collector.
            if (status.State == CollectorState.TimedOut && status.Name == DisksCollectorName)
            {
                findings.Add(new Finding(
                    current.HostName,
                    FindingKind.FilesystemUnresponsive,
                    status.Name,
                    Severity.Warning,
                    "Listing filesystems timed out, so a mounted filesystem (often NFS) may be hung.",
                    evidence));
                continue;
            }

            var outcome = status.State == CollectorState.TimedOut ? "timed out" : "failed";
            findings.Add(new Finding(
                current.HostName,
                FindingKind.CollectorFailed,
                status.Name,
                Severity.Warning,
                $"The {status.Name} collector {outcome}, so its checks did not run.",
                evidence));
        }

        return findings;
    }
}
