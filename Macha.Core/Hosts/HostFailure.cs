namespace Macha.Core.Hosts;

/// <summary>Why Macha could not reach a host or run a command there as asked.</summary>
/// <remarks>Stored by name in host records and shown in the API, so names are stable once shipped.</remarks>
public enum HostFailure
{
    /// <summary>The host answered, but nothing listens on the SSH port (TCP reset).</summary>
    ConnectionRefused,

    /// <summary>No route to the host, the network is down, or its name does not resolve.</summary>
    Unreachable,

    /// <summary>The connection, the handshake or a liveness probe got no answer in time.</summary>
    TimedOut,

    /// <summary>The server rejected Macha's key, or closed the connection after too many attempts.</summary>
    AuthenticationFailed,

    /// <summary>The host presented a key that differs from the pinned one; all work on it stops.</summary>
    HostKeyMismatch,

    /// <summary>The host has no pinned key and trust on first use is off.</summary>
    HostKeyNotPinned,

    /// <summary>An established connection broke, or the server closed it during the handshake.</summary>
    ConnectionLost,

    /// <summary>Macha's own settings for the host cannot work, such as a private-key file that is missing.</summary>
    InvalidConfiguration,

    /// <summary><c>sudo -n</c> refused to run the command because it needs a password.</summary>
    SudoPasswordRequired,
}
