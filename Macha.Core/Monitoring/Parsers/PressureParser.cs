using System.Globalization;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>
/// Reads one <c>/proc/pressure</c> file, such as
/// "some avg10=0.12 avg60=0.05 avg300=0.01 total=123456" followed by a "full" line of the same form.
/// </summary>
/// <remarks>
/// Never throws. The "some" line is required. The "full" line is optional, because cpu has one only
/// from Linux 5.13 on. Fields are read by name, and unknown lines and fields are skipped.
/// </remarks>
internal static class PressureParser
{
    public static ParseResult<ResourcePressure> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        PressureAverages? some = null;
        PressureAverages? full = null;
        foreach (var rawLine in text.Split('\n'))
        {
            var tokens = rawLine.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 0 || tokens[0] is not ("some" or "full"))
            {
                continue;
            }

            if (!TryReadAverages(tokens, out var averages, out var error))
            {
                return ParseResult<ResourcePressure>.Failure($"the '{tokens[0]}' line {error}: '{CollectorStatus.Excerpt(rawLine.Trim())}'");
            }

            if (tokens[0] == "some")
            {
                some ??= averages;
            }
            else
            {
                full ??= averages;
            }
        }

        return some is null
            ? ParseResult<ResourcePressure>.Failure("there is no 'some avg10=… avg60=… avg300=… total=…' line")
            : ParseResult<ResourcePressure>.Success(new ResourcePressure(some, full));
    }

    private static bool TryReadAverages(string[] tokens, out PressureAverages averages, out string error)
    {
        averages = null!;
        double? avg10 = null;
        double? avg60 = null;
        double? avg300 = null;
        long? total = null;
        foreach (var token in tokens.Skip(1))
        {
            var equals = token.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var value = token[(equals + 1)..];
            switch (token[..equals])
            {
                case "avg10":
                    avg10 = ReadPercent(value);
                    break;
                case "avg60":
                    avg60 = ReadPercent(value);
                    break;
                case "avg300":
                    avg300 = ReadPercent(value);
                    break;
                case "total":
                    total = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
                    break;
            }
        }

        if (avg10 is null || avg60 is null || avg300 is null || total is null)
        {
            error = "lacks a valid avg10, avg60, avg300 or total field";
            return false;
        }

        averages = new PressureAverages(avg10.Value, avg60.Value, avg300.Value, total.Value);
        error = string.Empty;
        return true;
    }

    private static double? ReadPercent(string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value <= 100
            ? value
            : null;
}
