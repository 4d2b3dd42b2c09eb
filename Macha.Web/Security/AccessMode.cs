namespace Macha.Web.Security;

/// <summary>
/// Whether Macha is open to anyone who can connect, which it is only when no users and no API tokens
/// are configured and every listen address is loopback, or requires credentials.
/// </summary>
public sealed class AccessMode
{
    private AccessMode(bool isOpen, IReadOnlyList<string> addresses)
    {
        IsOpen = isOpen;
        Addresses = addresses;
    }

    public bool IsOpen { get; }

    /// <summary>The configured listen URLs, for messages.</summary>
    public IReadOnlyList<string> Addresses { get; }

    /// <summary>
    /// Decides the mode from the settings before Kestrel starts, throwing
    /// <see cref="AccessNotConfiguredException"/> when Macha would listen beyond loopback with no credentials.
    /// </summary>
    internal static AccessMode Decide(IConfiguration configuration)
    {
        var addresses = ListenAddresses.FromConfiguration(configuration);
        var urls = addresses.Select(address => address.Url).ToList();
        var section = configuration.GetSection(MachaAuthenticationOptions.SectionName);
        var configured = !string.IsNullOrWhiteSpace(section[nameof(MachaAuthenticationOptions.UsersFile)])
            || !string.IsNullOrWhiteSpace(section[nameof(MachaAuthenticationOptions.TokensFile)]);
        if (configured)
        {
            return new AccessMode(isOpen: false, urls);
        }

        var exposed = addresses.FirstOrDefault(address => !address.IsLoopback);
        return exposed is null
            ? new AccessMode(isOpen: true, urls)
            : throw new AccessNotConfiguredException(
                $"it would listen on {exposed.Url} (from {exposed.Source}), which other machines can reach, but no users or API tokens are configured. " +
                $"Set {MachaAuthenticationOptions.SectionName}:UsersFile or {MachaAuthenticationOptions.SectionName}:TokensFile, or listen on 127.0.0.1 only.");
    }
}

/// <summary>Macha would listen on a network address without any users or API tokens to check.</summary>
public sealed class AccessNotConfiguredException : Exception
{
    public AccessNotConfiguredException(string message)
        : base(message)
    {
    }

    public AccessNotConfiguredException()
    {
    }

    public AccessNotConfiguredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
