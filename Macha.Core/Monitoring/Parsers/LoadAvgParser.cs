using System.Globalization;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>The three load averages of <c>/proc/loadavg</c>.</summary>
internal sealed record LoadAverages(double Load1, double Load5, double Load15);

/// <summary>Reads <c>/proc/loadavg</c>, such as "0.52 0.58 0.59 2/512 12345".</summary>
internal static class LoadAvgParser
{
    public static ParseResult<LoadAverages> Parse(string text)
    {
        var tokens = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length < 3)
        {
            return ParseResult<LoadAverages>.Failure($"/proc/loadavg has {tokens.Length} fields; at least 3 load averages are required");
        }

        var loads = new double[3];
        for (var i = 0; i < loads.Length; i++)
        {
            if (!double.TryParse(tokens[i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out loads[i])
                || !double.IsFinite(loads[i]))
            {
                return ParseResult<LoadAverages>.Failure($"load average {i + 1} in /proc/loadavg is not a number: '{tokens[i]}'");
            }
        }

        return ParseResult<LoadAverages>.Success(new LoadAverages(loads[0], loads[1], loads[2]));
    }
}
