using System.Text.Json;

namespace Macha.Core.Hosts;

/// <summary>Whether Macha may work on a host, and what a person still has to confirm.</summary>
public enum HostTrustState
{
    /// <summary>The machine Macha runs on.</summary>
    Local,

    /// <summary>Trusted, with at least one pinned host key.</summary>
    Pinned,

    /// <summary>
    /// Trusted, but no key is pinned yet. With trust on first use the first connection pins the key.
    /// Without it the connection is rejected until a person confirms the key the host presented.
    /// </summary>
    Unpinned,

    /// <summary>The host presented a key that is not pinned; no work runs on it until a person confirms the key.</summary>
    KeyChanged,

    /// <summary>Found by discovery and not trusted: never visited until a person confirms it.</summary>
    Discovered,
}

/// <summary>Reads the trust state, pinned keys and tags of a <see cref="HostRecord"/>.</summary>
public static class HostTrust
{
    public static HostTrustState StateOf(HostRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Source == HostSource.Local)
        {
            return HostTrustState.Local;
        }

        if (!record.Trusted)
        {
            return HostTrustState.Discovered;
        }

        if (record.Status == HostStatus.HostKeyChanged)
        {
            return HostTrustState.KeyChanged;
        }

        return PinnedKeys(record).Count > 0 ? HostTrustState.Pinned : HostTrustState.Unpinned;
    }

    /// <summary>
    /// Returns whether <see cref="HostRegistry.ConfirmAsync(string, HostConfirmation, string, CancellationToken)"/>
    /// has something to confirm: a discovered host, a changed key, or a key refused because none was pinned.
    /// </summary>
    public static bool NeedsConfirmation(HostRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Source != HostSource.Local
            && (!record.Trusted || NeedsKey(record));
    }

    /// <summary>Returns whether confirming the host must pin the key it presented, given as a fingerprint.</summary>
    public static bool NeedsKey(HostRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Status == HostStatus.HostKeyChanged || record.Failure == nameof(HostFailure.HostKeyNotPinned);
    }

    /// <summary>
    /// Returns whether a trusted host added by a person or confirmed from discovery has neither a
    /// pinned key nor a key it presented. Its address, port, user and key file may then still be
    /// corrected by a confirmation, because no connection has shown a key for them yet.
    /// </summary>
    public static bool IsUnvisited(HostRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Trusted
            && record.Source is HostSource.Api or HostSource.Journal or HostSource.Flake
            && record.Status != HostStatus.HostKeyChanged
            && PinnedKeys(record).Count == 0
            && PresentedFingerprint(record) is null;
    }

    /// <summary>
    /// Returns whether <see cref="HostRegistry.ConfirmAsync(string, HostConfirmation, string, CancellationToken)"/>
    /// accepts a confirmation for the host: one that needs confirming, or a trusted host that has not
    /// presented a key yet, which may still take a fingerprint and connection settings.
    /// </summary>
    public static bool CanConfirm(HostRecord record) => NeedsConfirmation(record) || IsUnvisited(record);

    /// <summary>Returns whether a confirmation may set the host's address, port, user and key file.</summary>
    public static bool AcceptsConnectionSettings(HostRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Source != HostSource.Local && (!record.Trusted || IsUnvisited(record));
    }

    /// <summary>Returns whether the record follows the configuration (or is this machine), so the API cannot change it.</summary>
    public static bool IsReadOnly(HostRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Source is HostSource.Local or HostSource.Configuration;
    }

    public static IReadOnlyList<string> PinnedKeys(HostRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return JsonSerializer.Deserialize<List<string>>(record.PinnedKeysJson) ?? [];
    }

    public static IReadOnlyList<string> Tags(HostRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return JsonSerializer.Deserialize<List<string>>(record.TagsJson) ?? [];
    }

    /// <summary>Returns the fingerprint part of <see cref="HostRecord.PresentedKey"/>, or null when no key was seen.</summary>
    public static string? PresentedFingerprint(HostRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.PresentedKey?.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
    }
}
