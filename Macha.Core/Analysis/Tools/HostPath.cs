namespace Macha.Core.Analysis.Tools;

/// <summary>Checks of absolute paths that the model requests tools to read or measure.</summary>
/// <remarks>
/// The host's shell opens a path as given, so a path is accepted only in normal form: absolute, no
/// empty, "." or ".." components, no control characters. That way a prefix check against an
/// allow-listed root means what it says. Symbolic links are a separate matter: the tools that read
/// file contents resolve them on the host and check the resolved path again.
/// </remarks>
internal static class HostPath
{
    /// <summary>PATH_MAX on Linux, in bytes; longer paths cannot be opened anyway.</summary>
    public const int MaxLength = 4096;

    /// <summary>Pseudo-filesystems that no tool reads or measures, whatever the configuration contains.</summary>
    public static readonly IReadOnlyList<string> AlwaysDeniedRoots = ["/proc", "/sys", "/dev"];

    /// <summary>
    /// Returns the path without a trailing '/', or null with <paramref name="error"/> set when it is
    /// not an absolute path in normal form.
    /// </summary>
    public static string? Normalize(string path, out string? error)
    {
        error = null;
        if (path.Length is 0 or > MaxLength)
        {
            error = $"must be an absolute path of 1 to {MaxLength} characters";
            return null;
        }

        if (path.Any(c => char.IsControl(c) || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069'))
        {
            error = "must not contain control characters";
            return null;
        }

        if (!path.StartsWith('/'))
        {
            error = "must be absolute, starting with '/'";
            return null;
        }

        if (path.Contains("..", StringComparison.Ordinal) || path.Contains("//", StringComparison.Ordinal))
        {
            error = "must not contain '..' or '//'; send the plain absolute path";
            return null;
        }

        var trimmed = path.Length > 1 && path.EndsWith('/') ? path[..^1] : path;
        if (trimmed.Split('/').Skip(1).Any(component => component == "."))
        {
            error = "must not contain '.' components; send the plain absolute path";
            return null;
        }

        return trimmed;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="root"/> or inside it; both normalized.</summary>
    public static bool IsUnder(string path, string root) =>
        root == "/"
        || string.Equals(path, root, StringComparison.Ordinal)
        || path.StartsWith(root + "/", StringComparison.Ordinal);

    /// <summary>
    /// Whether <paramref name="path"/> matches a deny pattern, ignoring case. A pattern that contains
    /// '/' is matched against the whole path. One without it is matched against every component, so
    /// "*secret*" also denies every file inside a directory named "secrets". In both, '*' matches
    /// any run of characters, '/' included, and '?' one character.
    /// </summary>
    public static bool MatchesDenyPattern(string path, string pattern)
    {
        if (pattern.Contains('/', StringComparison.Ordinal))
        {
            return GlobMatches(path, pattern);
        }

        return path.Split('/', StringSplitOptions.RemoveEmptyEntries).Any(component => GlobMatches(component, pattern));
    }

    private static bool GlobMatches(string text, string pattern)
    {
        // Iterative wildcard match with back-tracking to the last '*', linear for patterns with few stars.
        int t = 0, p = 0, starPattern = -1, starText = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(text[t])))
            {
                t++;
                p++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starPattern = p++;
                starText = t;
            }
            else if (starPattern >= 0)
            {
                p = starPattern + 1;
                t = ++starText;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
