namespace Macha.Web.Security;

/// <summary>Settings of sign-in and API tokens, bound from the <c>Macha:Authentication</c> section.</summary>
public sealed class MachaAuthenticationOptions
{
    public const string SectionName = "Macha:Authentication";

    /// <summary>
    /// Path of the users file: one <c>NAME:HASH</c> line per user. Empty means no users. The path may
    /// start with an environment variable, such as <c>$CREDENTIALS_DIRECTORY/users</c>.
    /// </summary>
    public string UsersFile { get; set; } = string.Empty;

    /// <summary>Path of the API tokens file: one <c>NAME:SCOPES:SHA256</c> line per token. Empty means no tokens.</summary>
    public string TokensFile { get; set; } = string.Empty;

    /// <summary>Sign-in attempts one client address may make per <see cref="SignInWindow"/>.</summary>
    public int SignInAttemptsPerWindow { get; set; } = 5;

    /// <summary>Length of the fixed window over which sign-in attempts are counted.</summary>
    public TimeSpan SignInWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Time a signed-in browser stays signed in without a request; each request extends it.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Addresses (<c>192.0.2.10</c>) or networks (<c>192.0.2.0/24</c>) of reverse proxies whose
    /// X-Forwarded-For and X-Forwarded-Proto headers are believed. Empty, the default, believes no
    /// proxy, so the sign-in rate limit and the logs see the address that connected.
    /// </summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Returns whether users or tokens are configured, so that Macha requires credentials.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(UsersFile) || !string.IsNullOrWhiteSpace(TokensFile);
}
