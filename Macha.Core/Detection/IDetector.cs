using Macha.Core.Monitoring;

namespace Macha.Core.Detection;

/// <summary>Turns a snapshot into findings by fixed rules; never calls the model.</summary>
public interface IDetector
{
    /// <param name="current">This cycle's snapshot of the host.</param>
    /// <param name="previous">The host's snapshot from the cycle before, or null on the first cycle.</param>
    IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous);
}
