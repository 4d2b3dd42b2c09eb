using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Macha.Core.Storage.Audit;
using Microsoft.Extensions.Options;

namespace Macha.Core.Notifications;

/// <summary>The application token read from the token file, or why it cannot be used.</summary>
/// <param name="Value">The token; null when <paramref name="Problem"/> is set. Never log or show it.</param>
/// <param name="Problem">Why the file gives no usable token, in a sentence that names the file and never the token.</param>
/// <param name="Version">
/// A hash of the file's path and contents, which changes whenever either changes, so the sender can tell that a
/// rejected token was replaced. It is not the token and cannot be turned back into it.
/// </param>
internal sealed record GotifyToken(string? Value, string? Problem, string Version)
{
    public bool IsUsable => Value is not null;
}

/// <summary>
/// Reads the Gotify application token from <see cref="NotificationOptions.TokenFile"/> at every send,
/// so a replaced file takes effect without a restart, and registers it with <see cref="SecretRedactor"/>
/// so that it is masked wherever text passes the redactor.
/// </summary>
internal sealed class GotifyTokenSource
{
    // Gotify's tokens, the older random ones and the newer gtfy_ ones alike, use only these characters.
    private static readonly SearchValues<char> TokenCharacters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

    private const int MaxTokenFileBytes = 4096;

    private readonly IOptionsMonitor<NotificationOptions> _options;
    private readonly SecretRedactor _redactor;
    private readonly Func<string?> _credentialsDirectory;

    public GotifyTokenSource(IOptionsMonitor<NotificationOptions> options, SecretRedactor redactor)
        : this(options, redactor, () => Environment.GetEnvironmentVariable(NotificationOptions.CredentialsDirectoryVariable))
    {
    }

    internal GotifyTokenSource(IOptionsMonitor<NotificationOptions> options, SecretRedactor redactor, Func<string?> credentialsDirectory)
    {
        _options = options;
        _redactor = redactor;
        _credentialsDirectory = credentialsDirectory;
    }

    public GotifyToken Read()
    {
        var path = _options.CurrentValue.ResolveTokenFile(_credentialsDirectory());
        if (path is null)
        {
            return Unusable("Macha:Notifications:Gotify:TokenFile is not set, or is a relative name while $CREDENTIALS_DIRECTORY is not set; set it to the absolute path of the token file.", "none");
        }

        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return Unusable($"The Gotify token file {path} does not exist; write the application token from Gotify's Apps page into it.", VersionOf(path, []));
            }

            if (info.Length > MaxTokenFileBytes)
            {
                return Unusable($"The Gotify token file {path} has {info.Length} bytes, which is too large for a token; it must contain only the application token.", VersionOf(path, []));
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Unusable($"The Gotify token file {path} cannot be read: {ex.Message} Check that Macha's user may read it.", VersionOf(path, []));
        }

        var version = VersionOf(path, bytes);
        var token = Encoding.UTF8.GetString(bytes).Trim();
        if (token.Length == 0)
        {
            return Unusable($"The Gotify token file {path} is empty; write the application token from Gotify's Apps page into it.", version);
        }

        if (token.StartsWith('<') || token.EndsWith('>'))
        {
            return Unusable($"The Gotify token in {path} is wrapped in angle brackets; remove the < and > that the documentation's placeholder showed.", version);
        }

        if (token.AsSpan().IndexOfAnyExcept(TokenCharacters) >= 0)
        {
            return Unusable($"The Gotify token file {path} contains characters that no Gotify token has, such as spaces, quotes or a second line; it must contain only the application token.", version);
        }

        if (token.Length < SecretRedactor.MinKnownSecretLength)
        {
            return Unusable($"The Gotify token in {path} is shorter than {SecretRedactor.MinKnownSecretLength} characters, so it cannot be a Gotify token.", version);
        }

        _redactor.AddKnownSecret(token);
        return new GotifyToken(token, null, version);
    }

    private static GotifyToken Unusable(string problem, string version) => new(null, problem, version);

    private static string VersionOf(string path, byte[] contents)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(path));
        hash.AppendData([0]);
        hash.AppendData(contents);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
