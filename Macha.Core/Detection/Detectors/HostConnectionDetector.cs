using Macha.Core.Hosts;
using Macha.Core.Monitoring;

namespace Macha.Core.Detection.Detectors;

/// <summary>
/// Reports a remote host Macha could not reach or must not trust. Its data is then stale: the
/// finding says so, and no other check of that cycle reads as healthy for it.
/// </summary>
internal sealed class HostConnectionDetector : IDetector
{
    public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (current.Connection is not { Failure: { } failure } connection)
        {
            return [];
        }

        var (kind, summary) = failure switch
        {
            HostFailure.HostKeyMismatch => (FindingKind.HostKeyChanged,
                $"{current.HostName} presented a host key that is not pinned, so Macha stopped all work on it until a person checks the key."),
            HostFailure.AuthenticationFailed or HostFailure.HostKeyNotPinned or HostFailure.InvalidConfiguration or HostFailure.SudoPasswordRequired =>
                (FindingKind.HostAccessDenied, $"Macha cannot log in to {current.HostName} ({failure}), so its health is unknown."),
            _ => (FindingKind.HostUnreachable, $"{current.HostName} did not answer over SSH ({failure}), so its health is unknown."),
        };

        var evidence = new EvidenceText()
            .Add("failure", failure.ToString())
            .Add("detail", connection.Detail)
            .Add("presented_key_algorithm", connection.PresentedKeyAlgorithm)
            .Add("presented_key_fingerprint", connection.PresentedKeyFingerprint)
            .ToString();

        // The subject is constant per kind, so a host that flips between refused and timed out stays one incident.
        return [new Finding(current.HostName, kind, HostConnectionSection.CollectorName, Severity.Critical, summary, evidence)];
    }
}
