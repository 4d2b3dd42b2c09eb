using Microsoft.Extensions.Options;

namespace Macha.Core.Notifications;

/// <summary>Checks the notification settings at start; each message names the key to fix and the value found.</summary>
internal sealed class NotificationOptionsValidator : IValidateOptions<NotificationOptions>
{
    private const string Prefix = NotificationOptions.SectionName + ":";

    private readonly Func<string?> _credentialsDirectory;

    public NotificationOptionsValidator()
        : this(() => Environment.GetEnvironmentVariable(NotificationOptions.CredentialsDirectoryVariable))
    {
    }

    internal NotificationOptionsValidator(Func<string?> credentialsDirectory)
    {
        _credentialsDirectory = credentialsDirectory;
    }

    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        var errors = new List<string>();
        if (options.GotifyUrl is { } gotify)
        {
            CheckGotifyUrl(gotify, errors);
            CheckTokenFile(options, errors);
        }
        else if (!string.IsNullOrWhiteSpace(options.TokenFile))
        {
            errors.Add($"{Prefix}Gotify:TokenFile is set but {Prefix}Gotify:Url is not; set Gotify:Url to the Gotify server's address, such as https://gotify.example.org/.");
        }

        if (options.PublicUrl is { } publicUrl)
        {
            CheckHttpUrl(NotificationOptions.PublicUrlKey, publicUrl, errors);
        }

        if (options.RequestTimeout < TimeSpan.FromSeconds(1) || options.RequestTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{Prefix}RequestTimeout must be between 00:00:01 and 00:05:00; got {options.RequestTimeout}.");
        }

        if (options.MaxRetries is < 0 or > 10)
        {
            errors.Add($"{Prefix}MaxRetries must be between 0 and 10; got {options.MaxRetries}.");
        }

        if (options.RetryDelay < TimeSpan.FromMilliseconds(10) || options.RetryDelay > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{Prefix}RetryDelay must be between 00:00:00.010 and 00:01:00; got {options.RetryDelay}.");
        }

        if (options.Cooldown < TimeSpan.Zero || options.Cooldown > TimeSpan.FromDays(7))
        {
            errors.Add($"{Prefix}Cooldown must be between 00:00:00 and 7.00:00:00; got {options.Cooldown}.");
        }

        if (options.DigestThreshold is < 1 or > 1000)
        {
            errors.Add($"{Prefix}DigestThreshold must be between 1 and 1000; got {options.DigestThreshold}.");
        }

        if (options.QueueCapacity is < 1 or > 10_000)
        {
            errors.Add($"{Prefix}QueueCapacity must be between 1 and 10000; got {options.QueueCapacity}.");
        }

        if (options.QuietHoursStart.HasValue != options.QuietHoursEnd.HasValue)
        {
            errors.Add($"{Prefix}QuietHoursStart and {Prefix}QuietHoursEnd must be set together, such as 22:00 and 07:00, or both left unset.");
        }
        else if (options.QuietHoursStart is { } start && start == options.QuietHoursEnd)
        {
            errors.Add($"{Prefix}QuietHoursStart and {Prefix}QuietHoursEnd are both {start:HH\\:mm}; set different times, or leave both unset for no quiet hours.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckGotifyUrl(Uri url, List<string> errors)
    {
        if (!CheckHttpUrl(Prefix + "Gotify:Url", url, errors))
        {
            return;
        }

        // A base address that already ends in /message makes every request go to /message/message,
        // where Gotify returns 404.
        if (url.AbsolutePath.TrimEnd('/').EndsWith("/message", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{Prefix}Gotify:Url must be the server's base address without /message; got {url.GetLeftPart(UriPartial.Path)}. Macha adds /message itself.");
        }
    }

    // Returns false when the address is unusable, so later checks do not pile up messages about it.
    private static bool CheckHttpUrl(string key, Uri url, List<string> errors)
    {
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{key} must be an absolute http:// or https:// address; got '{url.OriginalString}'.");
            return false;
        }

        // The address is logged and shown on the dashboard, so it must not carry a token or a password.
        if (!string.IsNullOrEmpty(url.UserInfo) || !string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment))
        {
            errors.Add($"{key} must not contain a user name, password, query string or fragment; set only scheme, host, port and path, such as {url.GetLeftPart(UriPartial.Authority)}/.");
            return false;
        }

        return true;
    }

    private void CheckTokenFile(NotificationOptions options, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(options.TokenFile))
        {
            errors.Add($"{Prefix}Gotify:TokenFile is required when {Prefix}Gotify:Url is set; set it to the path of a file that contains the Gotify application token.");
            return;
        }

        if (options.ResolveTokenFile(_credentialsDirectory()) is null)
        {
            errors.Add($"{Prefix}Gotify:TokenFile must be an absolute path, or a credential name when systemd passes the token with LoadCredential= (then ${NotificationOptions.CredentialsDirectoryVariable} is set); got '{options.TokenFile}'.");
        }
    }
}
