using System.Globalization;
using System.Text.RegularExpressions;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>
/// Reads the system profile under /nix/var/nix/profiles: the link target of <c>system</c>, the
/// directory listing with one <c>system-N-link</c> per generation, and link times. Never throws.
/// </summary>
internal static partial class NixosProfileParser
{
    /// <summary>
    /// Reads the generation number from the target of the <c>system</c> link, which Nix writes as a
    /// name relative to the profiles directory, such as "system-142-link".
    /// </summary>
    public static ParseResult<int> ParseProfileLink(string output)
    {
        var target = output.Trim();
        const string Directory = "/nix/var/nix/profiles/";
        var name = target.StartsWith(Directory, StringComparison.Ordinal) ? target[Directory.Length..] : target;
        return TryReadGeneration(name, out var generation)
            ? ParseResult<int>.Success(generation)
            : ParseResult<int>.Failure($"the system profile link does not point to a system-N-link generation: '{CollectorStatus.Excerpt(target)}'");
    }

    /// <summary>
    /// Reads the generation numbers from <c>ls -1</c> of the profiles directory; other entries
    /// (default, per-user, system) are skipped. Fails when no generation is listed, because the
    /// current one always is.
    /// </summary>
    public static ParseResult<IReadOnlyList<int>> ParseGenerationList(string output)
    {
        var generations = new List<int>();
        foreach (var line in output.Split('\n'))
        {
            if (TryReadGeneration(line.Trim(), out var generation))
            {
                generations.Add(generation);
            }
        }

        return generations.Count > 0
            ? ParseResult<IReadOnlyList<int>>.Success(generations)
            : ParseResult<IReadOnlyList<int>>.Failure($"the profiles directory lists no system-N-link generation: '{CollectorStatus.Excerpt(output.Trim())}'");
    }

    /// <summary>Reads the seconds since the Unix epoch that <c>stat -c %Y</c> prints.</summary>
    public static ParseResult<DateTimeOffset> ParseEpochSeconds(string output)
    {
        var text = output.Trim();

        // The upper bound keeps FromUnixTimeSeconds within its range; it is the year 9999.
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 253_402_300_799)
        {
            return ParseResult<DateTimeOffset>.Failure($"stat printed no modification time: '{CollectorStatus.Excerpt(text)}'");
        }

        return ParseResult<DateTimeOffset>.Success(DateTimeOffset.FromUnixTimeSeconds(seconds));
    }

    /// <summary>Builds the path of a generation's link, from a number so no host output becomes part of it.</summary>
    public static string GenerationLinkPath(int generation) =>
        string.Create(CultureInfo.InvariantCulture, $"/nix/var/nix/profiles/system-{generation}-link");

    private static bool TryReadGeneration(string name, out int generation)
    {
        generation = 0;
        var match = GenerationLinkPattern().Match(name);
        return match.Success
            && int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out generation)
            && generation > 0;
    }

    [GeneratedRegex(@"^system-([0-9]{1,9})-link$", RegexOptions.CultureInvariant)]
    private static partial Regex GenerationLinkPattern();
}
