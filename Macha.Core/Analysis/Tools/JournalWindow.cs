using System.Globalization;

namespace Macha.Core.Analysis.Tools;

/// <summary>Limits and argv pieces shared by unit_logs and journal_search.</summary>
internal static class JournalWindow
{
    public const int MaxSinceMinutes = 7 * 24 * 60;
    public const int DefaultSinceMinutes = 60;
    public const int MaxLines = 500;
    public const int DefaultMaxLines = 100;

    /// <summary>
    /// A relative start such as "--since=-60min", which systemd.time(7) reads as 60 minutes before
    /// now on the host's own clock, so Macha's clock and time zone do not matter.
    /// </summary>
    public static string SinceArgument(int minutes) =>
        string.Create(CultureInfo.InvariantCulture, $"--since=-{minutes}min");
}
