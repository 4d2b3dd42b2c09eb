using System.Globalization;
using Macha.Core.Monitoring;
using Microsoft.Extensions.Options;

namespace Macha.Core.Detection.Detectors;

/// <summary>Reports many processes in uninterruptible sleep (state D) at once, with "processes" as subject.</summary>
/// <remarks>
/// A process in state D waits for I/O that it cannot abandon, and not even SIGKILL ends it. Busy
/// disks show a few for a moment. Many at once usually mean a dead network mount or failing storage.
/// The busiest and largest processes are context for other findings and raise nothing themselves.
/// </remarks>
internal sealed class ProcessesDetector : IDetector
{
    private const string Subject = "processes";

    private readonly IOptionsMonitor<DetectionOptions> _options;

    public ProcessesDetector(IOptionsMonitor<DetectionOptions> options)
    {
        _options = options;
    }

    public IEnumerable<Finding> Detect(HostSnapshot current, HostSnapshot? previous)
    {
        ArgumentNullException.ThrowIfNull(current);

        var options = _options.CurrentValue;
        if (current.Processes is not { } processes || processes.UninterruptibleCount < options.UninterruptibleProcessWarningCount)
        {
            return [];
        }

        var count = processes.UninterruptibleCount.ToString(CultureInfo.InvariantCulture);
        var evidence = new EvidenceText()
            .Add("uninterruptible", processes.UninterruptibleCount)
            .Add("examples", string.Join(", ", processes.Uninterruptible.Select(process =>
                process.ProcessId.ToString(CultureInfo.InvariantCulture) + " " + process.Name)))
            .Add("zombies", processes.ZombieCount)
            .Add("processes", processes.ProcessCount);
        if (previous?.Processes is { } earlier)
        {
            evidence.Add("uninterruptible_last_check", earlier.UninterruptibleCount);
        }

        return
        [
            new Finding(
                current.HostName,
                FindingKind.ProcessesStuck,
                Subject,
                Severity.Warning,
                $"{count} processes are stuck waiting for I/O (state D), which usually means a hung mount or failing storage.",
                evidence.Add("warning_at", options.UninterruptibleProcessWarningCount).ToString()),
        ];
    }
}
