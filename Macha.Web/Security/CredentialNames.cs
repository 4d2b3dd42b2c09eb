using System.Text.RegularExpressions;

namespace Macha.Web.Security;

/// <summary>The rules for user and token names, which end up as actors in approvals and the audit files.</summary>
internal static partial class CredentialNames
{
    public const string Rule = "a name of 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit";

    // "macha" is the actor of Macha's own decisions and "local" the one of open access, so a user or
    // token under either name would be indistinguishable from them in the audit trail.
    private static readonly string[] Reserved = ["macha", LocalAccessHandler.UserName];

    public static bool IsValid(string name) => NamePattern().IsMatch(name);

    public static bool IsReserved(string name) => Reserved.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Returns why the name cannot be used, or null when it can.</summary>
    public static string? Problem(string name)
    {
        if (!IsValid(name))
        {
            return $"the name must be {Rule}.";
        }

        return IsReserved(name) ? $"the names {string.Join(" and ", Reserved)} are reserved; choose another name." : null;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
