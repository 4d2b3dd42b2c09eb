using System.Globalization;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>Finds default routes in the kernel's routing tables, /proc/net/route and /proc/net/ipv6_route.</summary>
internal static class ProcNetRouteParser
{
    // Route flags from linux/route.h.
    private const uint RouteUp = 0x0001;
    private const uint RouteReject = 0x0200;

    /// <summary>
    /// Returns the interfaces of usable IPv4 default routes: destination and mask 0.0.0.0, flag up,
    /// not a reject route. Lines that do not have the table's shape are ignored.
    /// </summary>
    public static IReadOnlyList<string> FindIpv4DefaultRoutes(string content)
    {
        ArgumentNullException.ThrowIfNull(content);

        // Columns: Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT, in hex.
        var interfaces = new List<string>();
        foreach (var line in content.Split('\n').Skip(1))
        {
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 8 || !TryParseHex(fields[3], out var flags))
            {
                continue;
            }

            if (fields[1] == "00000000" && fields[7] == "00000000" && IsUsable(flags))
            {
                interfaces.Add(fields[0]);
            }
        }

        return interfaces.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Returns the interfaces of usable IPv6 default routes: ::/0, flag up, not a reject route.
    /// The kernel lists an unreachable ::/0 on lo when no IPv6 default route exists.
    /// </summary>
    public static IReadOnlyList<string> FindIpv6DefaultRoutes(string content)
    {
        ArgumentNullException.ThrowIfNull(content);

        // Columns: destination, prefix length, source, source prefix length, next hop, metric,
        // reference count, use count, flags, interface; no header line.
        var interfaces = new List<string>();
        foreach (var line in content.Split('\n'))
        {
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 10 || !TryParseHex(fields[8], out var flags))
            {
                continue;
            }

            if (fields[0].Length == 32 && fields[0].All(c => c == '0') && fields[1] == "00" && IsUsable(flags))
            {
                interfaces.Add(fields[9]);
            }
        }

        return interfaces.Distinct(StringComparer.Ordinal).ToList();
    }

    private static bool IsUsable(uint flags) => (flags & RouteUp) != 0 && (flags & RouteReject) == 0;

    private static bool TryParseHex(string text, out uint value) =>
        uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
}
