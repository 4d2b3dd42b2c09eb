using System.Globalization;

namespace Macha.Web.Components;

/// <summary>How numbers and times read on the dashboard.</summary>
internal static class Formatting
{
    private static readonly string[] ByteUnits = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

    public static string Bytes(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < ByteUnits.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {ByteUnits[unit]}");
    }

    public static string Percent(double? percent) =>
        percent is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value:0.#}%") : "n/a";

    /// <summary>
    /// Formats a moment in UTC, labelled, whatever the server's or the browser's zone. A person on a
    /// phone and the audit files then name the same moment with the same text.
    /// </summary>
    public static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan duration) => duration switch
    {
        { TotalDays: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalDays} d {duration.Hours} h"),
        { TotalHours: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalHours} h {duration.Minutes} min"),
        { TotalMinutes: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalMinutes} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)duration.TotalSeconds)} s"),
    };

    public static string Age(DateTimeOffset time, DateTimeOffset now) => Duration(now - time) + " ago";
}
