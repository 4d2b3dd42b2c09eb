using System.Text;
using System.Text.RegularExpressions;

namespace Macha.Web.Security;

/// <summary>
/// Expands environment variables in a credential file's path, so that a setting such as
/// <c>$CREDENTIALS_DIRECTORY/users</c> names the file systemd passed to the service.
/// </summary>
internal static partial class CredentialPaths
{
    /// <summary>Expands each <c>$NAME</c> and <c>${NAME}</c> and makes the path absolute.</summary>
    /// <param name="error">Why the path cannot be used, as the end of a sentence that starts with the key.</param>
    public static bool TryExpand(string path, out string expanded, out string error)
    {
        expanded = string.Empty;
        error = string.Empty;
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            error = "contains a NUL character; set it to a file path.";
            return false;
        }

        var result = new StringBuilder();
        var position = 0;
        foreach (Match match in VariablePattern().Matches(path))
        {
            var name = match.Groups["braced"].Success ? match.Groups["braced"].Value : match.Groups["plain"].Value;
            var value = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrEmpty(value))
            {
                error = $"uses the environment variable {name}, which is not set; set it or use an absolute path.";
                return false;
            }

            result.Append(path, position, match.Index - position).Append(value);
            position = match.Index + match.Length;
        }

        result.Append(path, position, path.Length - position);
        expanded = Path.GetFullPath(result.ToString());
        return true;
    }

    public static string Expand(string path) =>
        TryExpand(path, out var expanded, out var error)
            ? expanded
            : throw new InvalidOperationException($"The credential file path '{path}' {error}");

    [GeneratedRegex(@"\$(?:\{(?<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?<plain>[A-Za-z_][A-Za-z0-9_]*))", RegexOptions.CultureInvariant)]
    private static partial Regex VariablePattern();
}
