using System.Text;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>Derives the name of a mount unit from its mount point, as <c>systemd-escape --path --suffix=mount</c> does.</summary>
internal static class MountUnitName
{
    /// <summary>
    /// Returns the unit name of <paramref name="path"/>: "/" is "-.mount", "/data" is "data.mount",
    /// "/var/lib/my-app" is "var-lib-my\x2dapp.mount". Slashes become dashes, and every byte that is
    /// not an ASCII letter, digit, ':', '_' or a '.' after the first position becomes \xNN.
    /// </summary>
    public static string FromPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0)
        {
            return "-.mount";
        }

        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(string.Join('/', segments)))
        {
            var c = (char)b;
            if (c == '/')
            {
                builder.Append('-');
            }
            else if (char.IsAsciiLetterOrDigit(c) || c is ':' or '_' || (c == '.' && builder.Length > 0))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append(@"\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.Append(".mount").ToString();
    }
}
