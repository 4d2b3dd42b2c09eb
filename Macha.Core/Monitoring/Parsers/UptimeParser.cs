using System.Globalization;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>Reads the first field of <c>/proc/uptime</c>: seconds since boot, such as "320.58 546.80".</summary>
internal static class UptimeParser
{
    // A century. Larger values can only come from corrupt input, and would make the boot time
    // computed from them fall before year 1.
    private static readonly TimeSpan MaxPlausibleUptime = TimeSpan.FromDays(36525);

    public static ParseResult<TimeSpan> Parse(string text)
    {
        var tokens = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0)
        {
            return ParseResult<TimeSpan>.Failure("/proc/uptime is empty");
        }

        if (!double.TryParse(tokens[0], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
            || !double.IsFinite(seconds))
        {
            return ParseResult<TimeSpan>.Failure($"the uptime in /proc/uptime is not a number: '{tokens[0]}'");
        }

        if (seconds > MaxPlausibleUptime.TotalSeconds)
        {
            return ParseResult<TimeSpan>.Failure($"the uptime in /proc/uptime is implausibly large: {tokens[0]} s");
        }

        return ParseResult<TimeSpan>.Success(TimeSpan.FromSeconds(seconds));
    }
}
