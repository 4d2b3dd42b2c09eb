using System.Globalization;

namespace Macha.Core.Detection.Detectors;

/// <summary>Formats numbers for summaries and evidence in the units a sysadmin reads.</summary>
internal static class Quantities
{
    private static readonly string[] BinaryUnits = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    /// <summary>
    /// Formats a byte count with binary units and one decimal, such as "1.2 GiB", and a count below 1 KiB as "512 B".
    /// </summary>
    public static string Bytes(long bytes)
    {
        if (Math.Abs(bytes) < 1024)
        {
            return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        }

        double value = bytes;
        var unit = -1;
        while (Math.Abs(value) >= 1024 && unit < BinaryUnits.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString("0.0", CultureInfo.InvariantCulture) + " " + BinaryUnits[unit];
    }

    /// <summary>
    /// Formats a percentage as a whole number rounded down, so a summary never shows a threshold
    /// as reached before it is, and 99.99% does not read as completely full.
    /// </summary>
    public static string WholePercent(double percent) =>
        Math.Floor(percent).ToString("0", CultureInfo.InvariantCulture) + "%";

    public static string Decimal(double value) => value.ToString("0.0#", CultureInfo.InvariantCulture);

    /// <summary>Formats a duration as minutes, hours or days, whichever reads best, such as "12 minutes".</summary>
    public static string Duration(TimeSpan duration)
    {
        if (duration < TimeSpan.FromMinutes(1))
        {
            return Plural((long)Math.Max(0, duration.TotalSeconds), "second");
        }

        if (duration < TimeSpan.FromHours(2))
        {
            return Plural((long)duration.TotalMinutes, "minute");
        }

        return duration < TimeSpan.FromDays(2) ? Plural((long)duration.TotalHours, "hour") : Plural((long)duration.TotalDays, "day");
    }

    private static string Plural(long count, string unit) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + unit + (count == 1 ? "" : "s");
}
