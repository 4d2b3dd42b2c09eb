using Macha.Core.Detection;
using Macha.Core.Hosts;
using Macha.Core.Monitoring;

namespace Macha.Core.Actions.Execution;

/// <summary>A snapshot of one host and what the detectors found in it.</summary>
internal sealed record HostFindings(HostSnapshot Snapshot, IReadOnlyList<Finding> Findings);

/// <summary>
/// Runs the health cycle's collectors and detectors on one host outside the cycle, so the NixOS
/// pipeline can compare what is wrong before and after an activation. Nothing is stored: the
/// snapshot and findings are only compared.
/// </summary>
/// <remarks>
/// Public only because <see cref="ActionExecutor"/>'s public constructor takes it; the constructor
/// is internal, so AddMachaCore registers it with a factory.
/// </remarks>
public sealed class HostFindingsProbe
{
    private readonly SnapshotCollector _collector;
    private readonly DetectionEngine _detection;

    internal HostFindingsProbe(SnapshotCollector collector, DetectionEngine detection)
    {
        _collector = collector;
        _detection = detection;
    }

    /// <param name="previous">
    /// The snapshot to compare counters and journal cursors with. After an activation this is the
    /// snapshot taken before it, so journal errors and restarts are counted over the activation only.
    /// </param>
    internal async Task<HostFindings> ProbeAsync(IHostShell shell, HostSnapshot? previous, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);

        var snapshot = await _collector.CollectAsync(shell, previous, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new HostFindings(snapshot, _detection.Detect(snapshot, previous));
    }
}
