using Microsoft.Extensions.Configuration;

namespace Macha.Core.Notifications;

/// <summary>Settings of Gotify notifications; bound from the <c>Macha:Notifications</c> section.</summary>
public sealed class NotificationOptions
{
    public const string SectionName = "Macha:Notifications";

    /// <summary>Key of <see cref="PublicUrl"/>, which other parts of Macha may use too.</summary>
    public const string PublicUrlKey = "Macha:PublicUrl";

    /// <summary>The environment variable systemd sets to the directory of a service's credentials (<c>LoadCredential=</c>).</summary>
    public const string CredentialsDirectoryVariable = "CREDENTIALS_DIRECTORY";

    /// <summary>
    /// The Gotify server's base address, such as <c>https://gotify.example.org/</c>, without
    /// <c>/message</c>; key <c>Macha:Notifications:Gotify:Url</c>. Null turns notifications off.
    /// </summary>
    /// <remarks>The key is nested as the NixOS module writes it; the binder resolves the path below the section.</remarks>
    [ConfigurationKeyName("Gotify:Url")]
    public Uri? GotifyUrl { get; set; }

    /// <summary>
    /// The file that contains the Gotify application token, key <c>Macha:Notifications:Gotify:TokenFile</c>:
    /// an absolute path, or a credential name that is looked up in <c>$CREDENTIALS_DIRECTORY</c> when
    /// systemd passes it with <c>LoadCredential=</c>.
    /// </summary>
    [ConfigurationKeyName("Gotify:TokenFile")]
    public string? TokenFile { get; set; }

    /// <summary>
    /// Macha's address as a phone reaches it, such as <c>https://macha.example.org/</c>, from the
    /// top-level key <c>Macha:PublicUrl</c>. Messages about approvals link to
    /// <c>{PublicUrl}/approvals/{id}</c>; without it they carry no link.
    /// </summary>
    public Uri? PublicUrl { get; set; }

    /// <summary>Limit on one request to Gotify; a request still running after it is retried.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after a 5xx status, a timeout or a failed connection; 401 and 403 are never retried.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Wait before the first retry; each later retry waits about twice as long.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Time during which the same notification (the same incident fingerprint and event) is not sent
    /// again, unless its priority went up.
    /// </summary>
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromHours(6);

    /// <summary>More notifications than this from one health cycle are sent as one digest.</summary>
    public int DigestThreshold { get; set; } = 5;

    /// <summary>Start of the quiet hours in the machine's local time; null means no quiet hours.</summary>
    public TimeOnly? QuietHoursStart { get; set; }

    /// <summary>End of the quiet hours in the machine's local time; may be earlier than the start, to span midnight.</summary>
    public TimeOnly? QuietHoursEnd { get; set; }

    /// <summary>Notifications waiting to be sent; when full, the oldest non-critical one is dropped.</summary>
    public int QueueCapacity { get; set; } = 100;

    public bool IsConfigured => GotifyUrl is not null;

    public bool HasQuietHours => QuietHoursStart is not null && QuietHoursEnd is not null;

    /// <summary>
    /// Returns the token file's full path: <see cref="TokenFile"/> itself when it is absolute, else the
    /// name inside <paramref name="credentialsDirectory"/>. Null when neither gives a path.
    /// </summary>
    public string? ResolveTokenFile(string? credentialsDirectory)
    {
        if (string.IsNullOrWhiteSpace(TokenFile))
        {
            return null;
        }

        if (Path.IsPathFullyQualified(TokenFile))
        {
            return TokenFile;
        }

        return string.IsNullOrEmpty(credentialsDirectory) ? null : Path.Combine(credentialsDirectory, TokenFile);
    }

    /// <summary>Returns the absolute link to an approval's page, or null when <see cref="PublicUrl"/> is not set.</summary>
    public Uri? ApprovalLink(Guid approvalId) =>
        PublicUrl is null ? null : new Uri(WithTrailingSlash(PublicUrl), $"approvals/{approvalId:D}");

    /// <summary>Returns the dashboard's start page, or null when <see cref="PublicUrl"/> is not set.</summary>
    public Uri? DashboardLink() => PublicUrl is null ? null : WithTrailingSlash(PublicUrl);

    /// <summary>Returns Gotify's <c>/message</c> endpoint under <see cref="GotifyUrl"/>, which keeps any path prefix.</summary>
    public Uri MessageEndpoint() =>
        new(WithTrailingSlash(GotifyUrl ?? throw new InvalidOperationException("Macha:Notifications:Gotify:Url is not set.")), "message");

    // Relative resolution replaces the last path segment unless the base ends in '/'.
    private static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsolutePath.EndsWith('/') ? uri : new UriBuilder(uri) { Path = uri.AbsolutePath + "/" }.Uri;
}
