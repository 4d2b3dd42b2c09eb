using Macha.Core.Hosts;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>
/// Tells a ping that could not run (no ICMP socket, exec denied, ping missing) apart from a target
/// that did not reply. Only the second tells something about the network.
/// </summary>
internal static class PingResultClassifier
{
    // Texts iputils ping, the shell and sudo print when the ICMP socket or the exec is refused.
    // Commands run with LC_ALL=C, but a translated message still leaves "ping: socket:" in place.
    private static readonly string[] PermissionMarkers =
    [
        "Operation not permitted",
        "Permission denied",
        "cap_net_raw",
        "ping: socket:",
        "unable to execute",
    ];

    public static NetworkCheck Classify(string target, CommandResult result, string commandText)
    {
        ArgumentNullException.ThrowIfNull(result);

        // Exit status 0 is success even with a permission message on standard error: iputils
        // prints "socket: Permission denied, attempting raw socket..." and then pings anyway.
        if (result.Status == CommandStatus.Exited && result.ExitCode == 0)
        {
            return new NetworkCheck(target, NetworkCheckOutcome.Succeeded, null);
        }

        switch (result.Status)
        {
            case CommandStatus.NotFound:
                return new NetworkCheck(target, NetworkCheckOutcome.NotPermitted, "ping is not installed on the host");
            case CommandStatus.Failed:
                return new NetworkCheck(target, NetworkCheckOutcome.NotPermitted, result.Describe(commandText));
            case CommandStatus.TimedOut:
                return new NetworkCheck(target, NetworkCheckOutcome.Failed, result.Describe(commandText));
        }

        var output = result.StandardError + "\n" + result.StandardOutput;
        if (PermissionMarkers.Any(marker => output.Contains(marker, StringComparison.OrdinalIgnoreCase)))
        {
            return new NetworkCheck(
                target,
                NetworkCheckOutcome.NotPermitted,
                "ping may not open an ICMP socket here (no CAP_NET_RAW, or net.ipv4.ping_group_range excludes Macha's group): "
                + FindLine(output, "ping"));
        }

        // iputils exits with 1 when no reply came and with 2 on other errors, such as an unknown host.
        var packetLoss = FindLine(result.StandardOutput, "packet loss");
        var detail = result.Describe(commandText) + (packetLoss.Length == 0 ? string.Empty : "; " + packetLoss);
        return new NetworkCheck(target, NetworkCheckOutcome.Failed, detail);
    }

    /// <summary>Returns the first line containing <paramref name="keyword"/>, else the first non-empty line.</summary>
    private static string FindLine(string text, string keyword)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = lines.FirstOrDefault(candidate => candidate.Contains(keyword, StringComparison.Ordinal)) ?? lines.FirstOrDefault();
        return line is null ? string.Empty : CollectorStatus.Excerpt(line);
    }
}
