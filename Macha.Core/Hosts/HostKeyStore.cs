using System.Collections.Concurrent;

namespace Macha.Core.Hosts;

/// <summary>The key a host presented during the SSH handshake.</summary>
/// <param name="Algorithm">The host-key algorithm, such as <c>ssh-ed25519</c>.</param>
/// <param name="Fingerprint">Canonical SHA-256 fingerprint (see <see cref="HostKeyFingerprint"/>).</param>
public sealed record HostKeyOffer(string Algorithm, string Fingerprint);

public enum HostKeyVerdict
{
    /// <summary>The key is one of the host's pinned keys.</summary>
    Pinned,

    /// <summary>The host had no pinned key and trust on first use is on: the key is accepted and pinned.</summary>
    FirstUse,

    /// <summary>The host has no pinned key and trust on first use is off: the connection is refused.</summary>
    NotPinned,

    /// <summary>The host has pinned keys and this is not one of them: the connection is refused and the host blocked.</summary>
    Mismatch,
}

/// <summary>Decides whether a presented host key is trusted, and remembers what it decided.</summary>
public interface IHostKeyStore
{
    /// <summary>Decides on a presented key. Called during the handshake, so it must not block on I/O.</summary>
    HostKeyVerdict Evaluate(string hostName, HostKeyOffer offer);

    /// <summary>Records a verdict after the handshake: pins a first-use key, or records a mismatch.</summary>
    Task RecordAsync(string hostName, HostKeyOffer offer, HostKeyVerdict verdict, CancellationToken cancellationToken = default);
}

/// <summary>Pinned fingerprints held in memory, for hosts whose keys come only from configuration.</summary>
public sealed class InMemoryHostKeyStore(bool trustOnFirstUse) : IHostKeyStore
{
    private readonly ConcurrentDictionary<string, IReadOnlySet<string>> _pins = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Replaces the pinned fingerprints of a host; invalid ones are ignored.</summary>
    public void Pin(string hostName, IEnumerable<string> fingerprints) =>
        _pins[hostName] = fingerprints
            .Select(HostKeyFingerprint.Normalize)
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);

    public IReadOnlySet<string> GetPins(string hostName) =>
        _pins.TryGetValue(hostName, out var pins) ? pins : new HashSet<string>();

    public HostKeyVerdict Evaluate(string hostName, HostKeyOffer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        var pins = GetPins(hostName);
        if (pins.Count == 0)
        {
            return trustOnFirstUse ? HostKeyVerdict.FirstUse : HostKeyVerdict.NotPinned;
        }

        return pins.Contains(offer.Fingerprint) ? HostKeyVerdict.Pinned : HostKeyVerdict.Mismatch;
    }

    public Task RecordAsync(string hostName, HostKeyOffer offer, HostKeyVerdict verdict, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(offer);
        if (verdict == HostKeyVerdict.FirstUse)
        {
            // Only the first key is pinned: two racing first connections must not both be accepted.
            _pins.TryAdd(hostName, new HashSet<string>(StringComparer.Ordinal) { offer.Fingerprint });
        }

        return Task.CompletedTask;
    }
}
