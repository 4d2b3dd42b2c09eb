using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Macha.Tests.Fakes;

/// <summary>
/// A source of unused loopback ports for servers that must know their port before they start, or
/// keep it across a restart.
/// </summary>
/// <remarks>
/// A port from bind(0) lies in the kernel's ephemeral range, from which outgoing connections also
/// take their local ports. Between the check and the server's own bind, or while a server is stopped
/// for a restart, a connection that a parallel test opens can take that port. Ports below the range
/// go only to explicit binds, so one found free stays free unless another test picks it too.
/// </remarks>
internal static class LoopbackPort
{
    private const int LowestPort = 10000;

    // Fewer ports than this below the ephemeral range would make two tests pick the same one too often.
    private const int MinCandidates = 5000;

    private const int MaxTries = 100;

    public static int FindUnused()
    {
        // NOTE: where the ephemeral range starts below 15000, some candidates lie inside it.
        var end = Math.Max(EphemeralRangeStart(), LowestPort + MinCandidates);
        for (var attempt = 0; attempt < MaxTries; attempt++)
        {
            var port = Random.Shared.Next(LowestPort, end);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
            }
        }

        throw new InvalidOperationException($"No unused loopback port between {LowestPort} and {end} after {MaxTries} random tries.");
    }

    /// <summary>Returns the first port of Linux's ephemeral range (32768 by default) from net.ipv4.ip_local_port_range.</summary>
    private static int EphemeralRangeStart()
    {
        var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range");
        return int.Parse(range.Split(['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
    }
}
