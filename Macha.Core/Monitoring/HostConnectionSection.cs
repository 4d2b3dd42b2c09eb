using Macha.Core.Hosts;

namespace Macha.Core.Monitoring;

/// <summary>The SSH connection to a remote host during one cycle.</summary>
/// <param name="Failure">Null when the host answered throughout the cycle.</param>
/// <param name="Detail">What failed and what to do, for a person.</param>
/// <param name="PresentedKeyAlgorithm">Algorithm of the key the host presented, such as ssh-ed25519.</param>
/// <param name="PresentedKeyFingerprint">SHA-256 fingerprint of that key.</param>
public sealed record HostConnectionSection(
    HostFailure? Failure,
    string? Detail,
    string? PresentedKeyAlgorithm,
    string? PresentedKeyFingerprint)
{
    /// <summary>Name of the status entry that stands for the connection in a snapshot's collector list.</summary>
    public const string CollectorName = "ssh";

    public static HostConnectionSection From(HostConnectionState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new(state.Failure, state.Detail, state.PresentedKey?.Algorithm, state.PresentedKey?.Fingerprint);
    }
}

/// <summary>The distribution family, which decides which collectors apply.</summary>
public enum OsFamily
{
    Unknown,
    Nixos,
    Debian,
    Fedora,
    Arch,
    Alpine,
}

/// <summary>The distribution a host runs, from /etc/os-release.</summary>
/// <param name="Id">The ID field, such as "ubuntu" or "rocky".</param>
/// <param name="Name">PRETTY_NAME, or NAME when that is missing.</param>
/// <param name="VersionId">VERSION_ID, such as "24.05"; null for rolling releases.</param>
public sealed record OsSection(OsFamily Family, string Id, string? Name, string? VersionId);
