using System.Globalization;
using System.Text.RegularExpressions;

namespace Macha.Core.Actions;

/// <summary>
/// A journal size for <c>journalctl --vacuum-size</c>, such as "500M": a whole number and a K, M or G
/// suffix (powers of 1024, as journalctl reads them), from <see cref="MinBytes"/> to <see cref="MaxBytes"/>.
/// </summary>
public sealed partial record JournalSize
{
    /// <summary>
    /// 64 MiB, a floor Macha sets although journalctl accepts less, because a smaller journal keeps
    /// little of the history that incidents cite as evidence.
    /// </summary>
    public const long MinBytes = 64L * 1024 * 1024;

    /// <summary>1 TiB, a ceiling Macha sets to catch a mistyped number or unit.</summary>
    public const long MaxBytes = 1024L * 1024 * 1024 * 1024;

    private JournalSize(string text, long bytes)
    {
        Text = text;
        Bytes = bytes;
    }

    /// <summary>The size as journalctl reads it, such as "500M".</summary>
    public string Text { get; }

    public long Bytes { get; }

    /// <summary>Parses <paramref name="text"/>, returning null and an error for anything but a size in range.</summary>
    public static JournalSize? TryParse(string? text, out string? error)
    {
        var match = text is null ? Match.Empty : SizePattern().Match(text);
        if (!match.Success)
        {
            error = $"journal max size must be a whole number with a K, M or G suffix, such as \"500M\"; got {ActionArguments.Quote(text)}.";
            return null;
        }

        var number = long.Parse(match.Groups["number"].Value, NumberStyles.None, CultureInfo.InvariantCulture);
        var multiplier = match.Groups["unit"].Value switch
        {
            "K" => 1024L,
            "M" => 1024L * 1024,
            _ => 1024L * 1024 * 1024,
        };
        var bytes = number * multiplier;
        if (bytes is < MinBytes or > MaxBytes)
        {
            error = $"journal max size must be from 64M to 1024G; got {ActionArguments.Quote(text)}.";
            return null;
        }

        error = null;
        return new JournalSize(text!, bytes);
    }

    /// <summary>Parses <paramref name="text"/>, throwing <see cref="ArgumentException"/> when it is invalid.</summary>
    public static JournalSize Parse(string text)
    {
        var size = TryParse(text, out var error);
        return size ?? throw new ArgumentException(error, nameof(text));
    }

    public override string ToString() => Text;

    // At most nine digits, so the product with 1024^3 cannot overflow a long.
    [GeneratedRegex(@"^(?<number>[1-9][0-9]{0,8})(?<unit>[KMG])$", RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();
}
