using System.Buffers.Text;
using System.Security.Cryptography;

namespace Macha.Web.Security;

/// <summary>A new API token, shown once, and the line that lists its hash in the tokens file.</summary>
/// <param name="Token">The secret to give the script; Macha keeps only its SHA-256.</param>
/// <param name="FileLine">The NAME:SCOPES:SHA256 line to add to the tokens file.</param>
public sealed record NewApiToken(string Token, string FileLine);

/// <summary>
/// Makes the lines of the users and tokens files, for the command-line verbs
/// <c>macha users hash-password</c> and <c>macha tokens create</c>.
/// </summary>
public static class CredentialTools
{
    // 32 random bytes give a 256-bit secret, beyond guessing, so one unsalted SHA-256 suffices to store it.
    private const int TokenBytes = 32;

    /// <summary>Returns the users-file line for the user, with a new salted hash of the password.</summary>
    /// <exception cref="ArgumentException">The name breaks the naming rules or the password is empty.</exception>
    public static string CreateUserLine(string userName, string password)
    {
        ArgumentNullException.ThrowIfNull(userName);
        ArgumentNullException.ThrowIfNull(password);
        if (CredentialNames.Problem(userName) is { } problem)
        {
            throw new ArgumentException($"Invalid user name: {problem}", nameof(userName));
        }

        if (password.Length == 0)
        {
            throw new ArgumentException("The password is empty; enter a password.", nameof(password));
        }

        return $"{userName}:{PasswordHashing.Hash(password)}";
    }

    /// <summary>Makes a new random token with the given scopes, each <see cref="MachaPolicies.Read"/> or <see cref="MachaPolicies.Operate"/>.</summary>
    /// <exception cref="ArgumentException">The name breaks the naming rules, or a scope is unknown or none is given.</exception>
    public static NewApiToken CreateToken(string name, IEnumerable<string> scopes)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(scopes);
        if (CredentialNames.Problem(name) is { } problem)
        {
            throw new ArgumentException($"Invalid token name: {problem}", nameof(name));
        }

        // "read,operate" is how the tokens file writes scopes, so the CLI takes it as well as a repeated --scope.
        var scopeList = scopes
            .SelectMany(scope => scope.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Select(scope => scope.ToLowerInvariant())
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (scopeList.Count == 0 || scopeList.Any(scope => scope is not (MachaPolicies.Read or MachaPolicies.Operate)))
        {
            throw new ArgumentException(
                $"Invalid scopes '{string.Join(",", scopeList)}': give {MachaPolicies.Read}, {MachaPolicies.Operate} or both; {MachaPolicies.Operate} includes {MachaPolicies.Read}.",
                nameof(scopes));
        }

        var token = TokensFile.TokenPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));
        return new NewApiToken(token, TokensFile.FormatLine(name, scopeList, token));
    }
}
