using System.Globalization;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>Reads which network interfaces are up, from <c>ip -o link show up</c> or from sysfs.</summary>
/// <remarks>
/// "Up" means administratively up with a carrier (LOWER_UP). Loopback interfaces are left out:
/// they are always up and tell nothing about the host's connectivity.
/// </remarks>
internal static class LinkStateParser
{
    // Interface flags from linux/if.h, as /sys/class/net/NAME/flags prints them in hex.
    private const uint InterfaceUp = 0x1;
    private const uint InterfaceLoopback = 0x8;
    private const uint InterfaceRunning = 0x40;

    /// <summary>Parses <c>ip -o link show up</c>: one line per interface, such as "2: eth0@if5: &lt;BROADCAST,UP,LOWER_UP&gt; …".</summary>
    public static IReadOnlyList<string> ParseIpLink(string output)
    {
        ArgumentNullException.ThrowIfNull(output);

        var interfaces = new List<string>();
        foreach (var line in output.Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 3 || !fields[0].EndsWith(':') || !fields[1].EndsWith(':') || !fields[2].StartsWith('<'))
            {
                continue;
            }

            // Veth and VLAN interfaces print as "name@parent:".
            var name = fields[1][..^1];
            var at = name.IndexOf('@', StringComparison.Ordinal);
            name = at > 0 ? name[..at] : name;

            var flags = fields[2].Trim('<', '>').Split(',');
            if (flags.Contains("LOOPBACK") || !flags.Contains("UP") || !flags.Contains("LOWER_UP"))
            {
                continue;
            }

            interfaces.Add(name);
        }

        return interfaces;
    }

    /// <summary>Returns the interface names in /proc/net/dev, which lists every interface after two header lines.</summary>
    public static IReadOnlyList<string> ParseProcNetDev(string content)
    {
        ArgumentNullException.ThrowIfNull(content);

        var names = new List<string>();
        foreach (var line in content.Split('\n').Skip(2))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].Trim();
            if (IsValidInterfaceName(name))
            {
                names.Add(name);
            }
        }

        return names;
    }

    /// <summary>
    /// Decides from /sys/class/net/NAME/operstate and flags whether a non-loopback interface is up.
    /// Some drivers (tun, WireGuard) report operstate "unknown" while they work, so flags decide then.
    /// </summary>
    public static bool IsUp(string operstate, string flagsText)
    {
        ArgumentNullException.ThrowIfNull(operstate);
        ArgumentNullException.ThrowIfNull(flagsText);

        var hex = flagsText.Trim();
        hex = hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex;
        if (!uint.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var flags)
            || (flags & InterfaceLoopback) != 0)
        {
            return false;
        }

        return operstate.Trim() switch
        {
            "up" => true,
            "unknown" => (flags & InterfaceUp) != 0 && (flags & InterfaceRunning) != 0,
            _ => false,
        };
    }

    /// <summary>Linux interface names: 1 to 15 bytes, no '/', no whitespace, not "." or "..".</summary>
    public static bool IsValidInterfaceName(string name) =>
        name.Length is > 0 and <= 15
        && name is not "." and not ".."
        && !name.Any(c => c == '/' || char.IsWhiteSpace(c) || char.IsControl(c));
}
