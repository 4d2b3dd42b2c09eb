using System.Security.Cryptography;
using System.Text;

namespace Macha.Web.Security;

/// <summary>One API token of the tokens file; only the SHA-256 of the token is known.</summary>
internal sealed record TokenEntry(string Name, IReadOnlySet<string> Scopes, byte[] Hash);

/// <summary>
/// The API tokens file: one <c>NAME:SCOPES:SHA256</c> line per token. SCOPES is <c>read</c>,
/// <c>operate</c> or <c>read,operate</c>; SHA256 is the token's SHA-256 in 64 hexadecimal digits.
/// Blank lines and lines starting with '#' are skipped.
/// </summary>
internal sealed class TokensFile
{
    public const string Kind = "API tokens";

    /// <summary>The start of every token Macha makes, so that secret scanners and people recognise one.</summary>
    public const string TokenPrefix = "macha_";

    private const int HashHexLength = SHA256.HashSizeInBytes * 2;

    private readonly IReadOnlyList<TokenEntry> _tokens;

    private TokensFile(IReadOnlyList<TokenEntry> tokens)
    {
        _tokens = tokens;
    }

    public static TokensFile Empty { get; } = new([]);

    public int Count => _tokens.Count;

    /// <summary>
    /// Finds the entry whose hash matches the presented token. Every entry is compared in constant
    /// time and the loop does not stop at a match, so the time taken does not reveal which entry matched.
    /// </summary>
    public TokenEntry? Find(string presented)
    {
        var hash = HashOf(presented);
        TokenEntry? match = null;
        foreach (var token in _tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, token.Hash))
            {
                match = token;
            }
        }

        return match;
    }

    public static byte[] HashOf(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public static TokensFile Parse(string text, string path)
    {
        var tokens = new List<TokenEntry>();
        var nameLines = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var hashLines = new Dictionary<string, int>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split(':');
            if (fields.Length != 3)
            {
                throw CredentialFileException.AtLine(Kind, path, lineNumber,
                    $"expected NAME:SCOPES:SHA256, three fields separated by ':', but found {fields.Length}. Make the line with 'macha tokens create'.");
            }

            var (name, scopeList, hashHex) = (fields[0], fields[1], fields[2]);
            if (CredentialNames.Problem(name) is { } nameProblem)
            {
                throw CredentialFileException.AtLine(Kind, path, lineNumber, nameProblem);
            }

            var scopes = ParseScopes(scopeList) ?? throw CredentialFileException.AtLine(Kind, path, lineNumber,
                $"the scopes must be {MachaPolicies.Read}, {MachaPolicies.Operate} or {MachaPolicies.Read},{MachaPolicies.Operate}.");
            var hash = ParseHash(hashHex, path, lineNumber);
            if (nameLines.TryGetValue(name, out var earlierName))
            {
                throw CredentialFileException.AtLine(Kind, path, lineNumber, $"the token name is already used on line {earlierName}; give each token its own name.");
            }

            if (hashLines.TryGetValue(Convert.ToHexString(hash), out var earlierHash))
            {
                throw CredentialFileException.AtLine(Kind, path, lineNumber, $"the hash is the same as on line {earlierHash}; make a new token for each name.");
            }

            nameLines[name] = lineNumber;
            hashLines[Convert.ToHexString(hash)] = lineNumber;
            tokens.Add(new TokenEntry(name, scopes, hash));
        }

        return new TokensFile(tokens);
    }

    /// <summary>Formats one line of the file.</summary>
    public static string FormatLine(string name, IEnumerable<string> scopes, string token) =>
        $"{name}:{string.Join(',', scopes)}:{Convert.ToHexStringLower(HashOf(token))}";

    private static HashSet<string>? ParseScopes(string list)
    {
        var scopes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var scope in list.Split(','))
        {
            var trimmed = scope.Trim();
            if (trimmed is not (MachaPolicies.Read or MachaPolicies.Operate))
            {
                return null;
            }

            scopes.Add(trimmed);
        }

        return scopes;
    }

    private static byte[] ParseHash(string hex, string path, int lineNumber)
    {
        if (hex.StartsWith(TokenPrefix, StringComparison.Ordinal))
        {
            throw CredentialFileException.AtLine(Kind, path, lineNumber,
                "the third field holds a token itself, not its SHA-256. Remove the line, because the token is exposed, and make a new one with 'macha tokens create'.");
        }

        if (hex.Length != HashHexLength || !hex.All(char.IsAsciiHexDigit))
        {
            throw CredentialFileException.AtLine(Kind, path, lineNumber,
                $"the third field must be the token's SHA-256 as {HashHexLength} hexadecimal digits; make the line with 'macha tokens create'.");
        }

        return Convert.FromHexString(hex);
    }
}
