using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Macha.Web.Security;

/// <summary>The users and API tokens currently configured, and the checks of a password or a token against them.</summary>
internal sealed class CredentialStore
{
    // Checked when the user name is unknown, so that a failed sign-in takes as long for an unknown
    // name as for a wrong password and does not reveal which names exist.
    private static readonly Lazy<string> UnknownUserHash = new(() => PasswordHashing.Hash("unused"));

    private readonly ReloadingCredentialFile<UsersFile>? _users;
    private readonly ReloadingCredentialFile<TokensFile>? _tokens;

    public CredentialStore(IOptions<MachaAuthenticationOptions> options, TimeProvider timeProvider, ILogger<CredentialStore> logger)
    {
        var settings = options.Value;
        if (!string.IsNullOrWhiteSpace(settings.UsersFile))
        {
            _users = new ReloadingCredentialFile<UsersFile>(
                CredentialPaths.Expand(settings.UsersFile), UsersFile.Kind, UsersFile.Parse, UsersFile.Empty, timeProvider, logger);
        }

        if (!string.IsNullOrWhiteSpace(settings.TokensFile))
        {
            _tokens = new ReloadingCredentialFile<TokensFile>(
                CredentialPaths.Expand(settings.TokensFile), TokensFile.Kind, TokensFile.Parse, TokensFile.Empty, timeProvider, logger);
        }
    }

    public bool HasUsersFile => _users is not null;

    public UsersFile Users => _users?.Current ?? UsersFile.Empty;

    public TokensFile Tokens => _tokens?.Current ?? TokensFile.Empty;

    /// <summary>Reads both files, throwing <see cref="CredentialFileException"/> when one is missing or malformed.</summary>
    public void Load()
    {
        _users?.Load();
        _tokens?.Load();
    }

    /// <summary>Returns the user when the password matches the user's hash, or null.</summary>
    public UserEntry? VerifyPassword(string userName, string password)
    {
        var user = Users.Find(userName);
        var matches = PasswordHashing.Verify(user?.PasswordHash ?? UnknownUserHash.Value, password);
        return user is not null && matches ? user : null;
    }
}

/// <summary>Password hashes in ASP.NET Core Identity's format (version 3: PBKDF2 with HMAC-SHA512 and a random salt).</summary>
public static class PasswordHashing
{
    // Identity's hasher takes a user object for subclasses that mix it in; the default ignores it.
    private static readonly PasswordHasher<object> Hasher = new();
    private static readonly object NoUser = new();

    public static string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        return Hasher.HashPassword(NoUser, password);
    }

    public static bool Verify(string hash, string password) =>
        Hasher.VerifyHashedPassword(NoUser, hash, password) != PasswordVerificationResult.Failed;
}
