namespace Macha.Core.Hosts;

/// <summary>Where a host record came from.</summary>
public enum HostSource
{
    /// <summary>The machine Macha runs on.</summary>
    Local,

    /// <summary><c>Macha:Hosts:Remote</c>; these records follow the configuration at every start.</summary>
    Configuration,

    /// <summary>Added by a person through the API or the dashboard.</summary>
    Api,

    /// <summary>A _HOSTNAME in the central journal directory.</summary>
    Journal,

    /// <summary>A name in the configured flake's nixosConfigurations.</summary>
    Flake,
}

/// <summary>How Macha last found a host.</summary>
public enum HostStatus
{
    /// <summary>Not contacted yet, or discovered and waiting for a person to confirm it.</summary>
    Unknown,

    Online,

    /// <summary>Unreachable, refused, timed out or lost; <see cref="HostRecord.Failure"/> says which.</summary>
    Offline,

    /// <summary>Reachable but not usable: authentication, an unpinned key or the configuration; see <see cref="HostRecord.Failure"/>.</summary>
    AccessDenied,

    /// <summary>The host presented a key that is not pinned; no work runs on it until a person confirms the key.</summary>
    HostKeyChanged,
}

/// <summary>One managed host as stored: where it is, whether it is trusted, and how it last answered.</summary>
public sealed class HostRecord
{
    public required string Name { get; set; }

    public HostSource Source { get; set; }

    /// <summary>False for a discovered host until a person confirms it; the cycle visits trusted hosts only.</summary>
    public bool Trusted { get; set; }

    public string Address { get; set; } = string.Empty;

    public int Port { get; set; } = 22;

    public string User { get; set; } = string.Empty;

    public string PrivateKeyFile { get; set; } = string.Empty;

    /// <summary>Tags as a JSON array of strings.</summary>
    public string TagsJson { get; set; } = "[]";

    /// <summary>Autonomy level for actions on this host, by name; null means the global level.</summary>
    public string? AutonomyLevel { get; set; }

    /// <summary>Pinned host-key fingerprints (<c>SHA256:…</c>) as a JSON array of strings.</summary>
    public string PinnedKeysJson { get; set; } = "[]";

    /// <summary>When the newest key was pinned, by configuration, trust on first use or a person.</summary>
    public DateTimeOffset? KeysPinnedAt { get; set; }

    public HostStatus Status { get; set; }

    /// <summary>The <see cref="HostFailure"/> name behind a status other than Online; null otherwise.</summary>
    public string? Failure { get; set; }

    public string? StatusDetail { get; set; }

    /// <summary>Algorithm and fingerprint of the key the host presented last, such as "ssh-ed25519 SHA256:…".</summary>
    public string? PresentedKey { get; set; }

    public DateTimeOffset? LastContactAt { get; set; }

    public DateTimeOffset? LastCheckedAt { get; set; }

    public string? OsFamily { get; set; }

    public string? OsName { get; set; }

    public string? OsVersion { get; set; }

    public DateTimeOffset AddedAt { get; set; }

    public DateTimeOffset? ConfirmedAt { get; set; }

    public string? ConfirmedBy { get; set; }

    /// <summary>Returns a detached copy, so callers never see a record change under them.</summary>
    public HostRecord Copy() => (HostRecord)MemberwiseClone();
}
