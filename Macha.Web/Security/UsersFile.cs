using System.Security.Cryptography;
using System.Text;

namespace Macha.Web.Security;

/// <summary>One user of the users file.</summary>
/// <param name="Stamp">A short digest of the password hash; a session whose stamp differs from the file's is signed out.</param>
internal sealed record UserEntry(string Name, string PasswordHash, string Stamp);

/// <summary>
/// The users file: one <c>NAME:HASH</c> line per user, where HASH is the output of ASP.NET Core
/// Identity's PasswordHasher (format version 3, PBKDF2). Blank lines and lines starting with '#' are skipped.
/// </summary>
internal sealed class UsersFile
{
    public const string Kind = "users";

    // Version 3 of Identity's format: a 0x01 marker, three 32-bit header fields, then salt and subkey.
    private const byte Version3Marker = 0x01;
    private const int MinimumVersion3Length = 1 + 12 + 16 + 16;

    private readonly Dictionary<string, UserEntry> _users;

    private UsersFile(Dictionary<string, UserEntry> users)
    {
        _users = users;
    }

    public static UsersFile Empty { get; } = new([]);

    public int Count => _users.Count;

    public UserEntry? Find(string name) => _users.GetValueOrDefault(name);

    public static UsersFile Parse(string text, string path)
    {
        var users = new Dictionary<string, UserEntry>(StringComparer.Ordinal);
        var firstLine = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
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
            if (fields.Length != 2)
            {
                throw CredentialFileException.AtLine(Kind, path, lineNumber,
                    $"expected NAME:HASH, two fields separated by ':', but found {fields.Length}. Make the line with 'macha users hash-password NAME'.");
            }

            var (name, hash) = (fields[0], fields[1]);
            if (CredentialNames.Problem(name) is { } nameProblem)
            {
                throw CredentialFileException.AtLine(Kind, path, lineNumber, nameProblem);
            }

            if (HashProblem(hash) is { } hashProblem)
            {
                throw CredentialFileException.AtLine(Kind, path, lineNumber, hashProblem);
            }

            // Names differing only in case would be one person to a reader of the audit trail.
            if (firstLine.TryGetValue(name, out var earlier))
            {
                throw CredentialFileException.AtLine(Kind, path, lineNumber, $"the user name is already used on line {earlier}; each user needs one line.");
            }

            firstLine[name] = lineNumber;
            users[name] = new UserEntry(name, hash, StampOf(hash));
        }

        return new UsersFile(users);
    }

    public static string StampOf(string passwordHash) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(passwordHash)))[..16];

    private static string? HashProblem(string hash)
    {
        var bytes = new byte[hash.Length];
        if (!Convert.TryFromBase64String(hash, bytes, out var length))
        {
            return "the password hash is not Base64; make it with 'macha users hash-password NAME'.";
        }

        if (length == 0 || bytes[0] != Version3Marker)
        {
            return "the password hash is not in ASP.NET Core Identity's version 3 format (PBKDF2); make a new one with 'macha users hash-password NAME'.";
        }

        return length < MinimumVersion3Length
            ? "the password hash is too short to be a version 3 Identity hash; it may be cut off. Make a new one with 'macha users hash-password NAME'."
            : null;
    }
}
