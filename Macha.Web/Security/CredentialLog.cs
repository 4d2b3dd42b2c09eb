namespace Macha.Web.Security;

/// <summary>
/// Log messages of sign-in, API tokens and the credential files. None of them takes a password, a
/// token or a line of a credential file as a property.
/// </summary>
internal static partial class CredentialLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Read the changed {Kind} file {Path}")]
    public static partial void FileReloaded(ILogger logger, string kind, string path);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "The changed {Kind} file {Path} is not used, so it grants no access until it is fixed: {Problem}")]
    public static partial void FileMalformed(ILogger logger, string kind, string path, string problem);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "The {Kind} file {Path} grants no access until it can be read again: {Problem}")]
    public static partial void FileUnreadable(ILogger logger, string kind, string path, string problem);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "User {UserName} signed in from {RemoteAddress}")]
    public static partial void SignedIn(ILogger logger, string userName, string remoteAddress);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Sign-in failed for user {UserName} from {RemoteAddress}: wrong password")]
    public static partial void WrongPassword(ILogger logger, string userName, string remoteAddress);

    // The typed name is left out: people sometimes type their password into the name field.
    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Sign-in failed from {RemoteAddress}: the user name is not in the users file")]
    public static partial void UnknownUser(ILogger logger, string remoteAddress);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Sign-in attempts from {RemoteAddress} exceeded {PermitLimit} per {Window}; further attempts are rejected until the window ends")]
    public static partial void SignInRateLimited(ILogger logger, string remoteAddress, int permitLimit, TimeSpan window);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Rejected a request to {Path} from {RemoteAddress}: its bearer token matches no entry of the API tokens file")]
    public static partial void UnknownToken(ILogger logger, string path, string remoteAddress);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "User {UserName} signed out")]
    public static partial void SignedOut(ILogger logger, string userName);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Signed out user {UserName}: the user was removed from the users file or the password changed")]
    public static partial void SessionRevoked(ILogger logger, string userName);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Access is open to anyone who can connect: no users or API tokens are configured and Macha listens only on loopback ({Addresses}). Set Macha:Authentication:UsersFile or TokensFile to require sign-in")]
    public static partial void OpenAccess(ILogger logger, string addresses);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Sign-in required: {UserCount} users and {TokenCount} API tokens configured")]
    public static partial void AccessSecured(ILogger logger, int userCount, int tokenCount);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Macha listens on {Address} over plain HTTP, so passwords and tokens cross the network unencrypted; configure an HTTPS endpoint or a TLS reverse proxy")]
    public static partial void PlainHttpOnNetwork(ILogger logger, string address);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "Rejected a request to {Path} on the non-loopback address {LocalAddress}: access without credentials is only allowed on loopback")]
    public static partial void OpenAccessOffLoopback(ILogger logger, string path, string localAddress);
}
