namespace Macha.Core.Hosts;

/// <summary>A host shell that runs commands over a connection, which can fail as a whole.</summary>
public interface IRemoteHostShell : IHostShell
{
    /// <summary>The state after the latest connection attempt or command.</summary>
    HostConnectionState State { get; }

    /// <summary>SSH handshakes started since this shell was created, for the benchmark and tests.</summary>
    int HandshakeCount { get; }

    /// <summary>Commands started over SSH since this shell was created, each in its own session channel.</summary>
    int CommandCount { get; }

    /// <summary>
    /// Opens the connection, or reuses the open one, and returns the state. Never throws for a
    /// connection failure; throws only when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    Task<HostConnectionState> ConnectAsync(CancellationToken cancellationToken = default);
}

/// <summary>How the connection to a host stands.</summary>
/// <param name="Failure">Null while the host is reachable and trusted.</param>
/// <param name="Detail">A sentence for a person: what failed and what to do.</param>
/// <param name="PresentedKey">The key the host presented in the latest handshake, if it got that far.</param>
/// <param name="LastContactAt">When a command or handshake last succeeded.</param>
public sealed record HostConnectionState(
    HostFailure? Failure,
    string? Detail,
    HostKeyOffer? PresentedKey,
    DateTimeOffset? LastContactAt)
{
    public static readonly HostConnectionState NotConnected = new(null, null, null, null);

    public bool IsHealthy => Failure is null;
}
