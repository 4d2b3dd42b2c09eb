using Macha.Core.Monitoring;
using Microsoft.Extensions.Logging;

namespace Macha.Core.Detection;

/// <summary>Runs every detector on a snapshot and merges their findings into one list per host and cycle.</summary>
internal sealed partial class DetectionEngine
{
    private readonly IReadOnlyList<IDetector> _detectors;
    private readonly ILogger<DetectionEngine> _logger;

    public DetectionEngine(IEnumerable<IDetector> detectors, ILogger<DetectionEngine> logger)
    {
        ArgumentNullException.ThrowIfNull(detectors);
        _detectors = detectors.ToList();
        _logger = logger;
    }

    /// <summary>
    /// Runs each detector in registration order and returns one finding per fingerprint, the most
    /// severe when several detectors report the same one (the first of equals). A detector that throws
    /// is logged and contributes nothing, and the others still run.
    /// </summary>
    public IReadOnlyList<Finding> Detect(HostSnapshot current, HostSnapshot? previous)
    {
        ArgumentNullException.ThrowIfNull(current);

        var byFingerprint = new Dictionary<string, Finding>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var detector in _detectors)
        {
            List<Finding> findings;
            try
            {
                // Enumerate inside the try: a lazily written detector throws while being enumerated.
                findings = detector.Detect(current, previous).ToList();
            }
            catch (Exception ex)
            {
                // Any exception here is a bug in that detector, and it must not hide what the others find.
                LogDetectorFailed(ex, detector.GetType().Name, current.HostName);
                continue;
            }

            foreach (var finding in findings)
            {
                if (!byFingerprint.TryGetValue(finding.Fingerprint, out var existing))
                {
                    byFingerprint.Add(finding.Fingerprint, finding);
                    order.Add(finding.Fingerprint);
                }
                else if (finding.Severity > existing.Severity)
                {
                    byFingerprint[finding.Fingerprint] = finding;
                }
            }
        }

        return order.Select(fingerprint => byFingerprint[fingerprint]).ToList();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Detector {DetectorType} failed on host {HostName}, so this cycle lacks its findings")]
    private partial void LogDetectorFailed(Exception exception, string detectorType, string hostName);
}
