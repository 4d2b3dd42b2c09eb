using System.Globalization;
using System.Text.RegularExpressions;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>A configured host name or address to check, with an optional TCP port.</summary>
/// <remarks>
/// Names and targets come from configuration and end up as arguments of ping, getent and bash on
/// the host. They are passed as argv, never through a shell, and are validated first so none can
/// be read as an option (leading '-') or carry whitespace or shell characters.
/// </remarks>
internal sealed partial record NetworkTarget(string Host, int? Port)
{
    /// <summary>Parses "host", "host:port", "IPv6-address" or "[IPv6-address]:port".</summary>
    public static bool TryParse(string text, out NetworkTarget? target, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);

        target = null;
        string host;
        string? portText = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = $"'{Printable(text)}' has '[' without ']'";
                return false;
            }

            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (!rest.StartsWith(':'))
                {
                    error = $"'{Printable(text)}' has text after ']' that is not ':port'";
                    return false;
                }

                portText = rest[1..];
            }
        }
        else if (text.Count(c => c == ':') == 1)
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            host = text[..colon];
            portText = text[(colon + 1)..];
        }
        else
        {
            // No colon is a name or IPv4 address; several colons are a bare IPv6 address.
            host = text;
        }

        if (!IsValidHost(host))
        {
            error = $"'{Printable(text)}' is not a valid host name or address";
            return false;
        }

        int? port = null;
        if (portText is not null)
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsedPort)
                || parsedPort is < 1 or > 65535)
            {
                error = $"'{Printable(text)}' has an invalid port; use a number from 1 to 65535";
                return false;
            }

            port = parsedPort;
        }

        target = new NetworkTarget(host, port);
        error = null;
        return true;
    }

    /// <summary>
    /// Accepts DNS names and IPv4 addresses (letters, digits, '.', '-', '_', starting with a letter
    /// or digit, at most 253 chars) and IPv6 addresses (hex digits, ':' and '.', with an optional
    /// "%zone").
    /// </summary>
    public static bool IsValidHost(string host) =>
        host.Length is > 0 and <= 253 && (HostName().IsMatch(host) || Ipv6Address().IsMatch(host));

    public override string ToString() =>
        Port is null ? Host : Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    private static string Printable(string text) => CollectorStatus.Excerpt(text);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex HostName();

    [GeneratedRegex(@"^[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*(?:%[A-Za-z0-9_.-]+)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv6Address();
}
