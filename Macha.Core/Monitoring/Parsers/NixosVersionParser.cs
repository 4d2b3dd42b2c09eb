using System.Text.Json;
using System.Text.RegularExpressions;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>
/// Reads <c>nixos-version --json</c> and plain <c>nixos-version</c> output. Never throws.
/// </summary>
/// <remarks>
/// The JSON form, such as <c>{"nixosVersion":"24.11.719113.50ab793786d9 (Vicuna)","nixpkgsRevision":"50ab…"}</c>,
/// has <c>configurationRevision</c> only when the configuration sets it. A nixos-version without the
/// JSON option may print the plain version instead, so <see cref="ParseJson"/> reports a failure for
/// such output, and the caller reads it, or a plain run, with <see cref="ParsePlain"/>.
/// </remarks>
internal static partial class NixosVersionParser
{
    private const int MaxVersionLength = 200;

    public static ParseResult<NixosVersion> ParseJson(string output)
    {
        var text = output.Trim();
        if (!text.StartsWith('{'))
        {
            return ParseResult<NixosVersion>.Failure($"nixos-version --json printed no JSON object: '{CollectorStatus.Excerpt(text)}'");
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ParseResult<NixosVersion>.Failure($"nixos-version --json printed no JSON object: '{CollectorStatus.Excerpt(text)}'");
            }

            var version = ReadString(root, "nixosVersion");
            if (version is null || !IsVersionLine(version))
            {
                return ParseResult<NixosVersion>.Failure($"nixos-version --json has no valid nixosVersion: '{CollectorStatus.Excerpt(text)}'");
            }

            return ParseResult<NixosVersion>.Success(new NixosVersion(
                version,
                ReadRevision(root, "nixpkgsRevision"),
                ReadRevision(root, "configurationRevision")));
        }
        catch (JsonException ex)
        {
            return ParseResult<NixosVersion>.Failure($"nixos-version --json printed invalid JSON ({ex.Message}): '{CollectorStatus.Excerpt(text)}'");
        }
    }

    /// <summary>Reads the first line of plain output, such as "25.05.806273.650e572363c0 (Warbler)".</summary>
    public static ParseResult<NixosVersion> ParsePlain(string output)
    {
        var firstLine = output.Trim().Split('\n')[0].Trim();
        return IsVersionLine(firstLine)
            ? ParseResult<NixosVersion>.Success(new NixosVersion(firstLine, null, null))
            : ParseResult<NixosVersion>.Failure($"nixos-version printed no version: '{CollectorStatus.Excerpt(firstLine)}'");
    }

    private static string? ReadString(JsonElement root, string property) =>
        root.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Returns a Git revision when it is hexadecimal, so nothing else reaches findings as a revision.</summary>
    private static string? ReadRevision(JsonElement root, string property)
    {
        var revision = ReadString(root, property);
        return revision is not null && RevisionPattern().IsMatch(revision) ? revision : null;
    }

    private static bool IsVersionLine(string line) => line.Length <= MaxVersionLength && VersionPattern().IsMatch(line);

    // Year and month, then optional suffixes ("pre", a revision count and a commit), then an
    // optional code name in brackets: "24.11.719113.50ab793786d9 (Vicuna)", "25.11pre712345.abc (Xantusia)".
    [GeneratedRegex(@"^\d{2}\.\d{2}[0-9A-Za-z.+_-]*( \([A-Za-z]+\))?$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();

    // Git writes 40 (SHA-1) or 64 (SHA-256) hexadecimal digits; flakes built from a dirty tree append "-dirty".
    [GeneratedRegex(@"^[0-9a-f]{7,64}(-dirty)?$", RegexOptions.CultureInvariant)]
    private static partial Regex RevisionPattern();
}
