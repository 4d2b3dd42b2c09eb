using Macha.Core.Actions;

namespace Macha.Core.Hosts;

/// <summary>The hosts Macha manages besides its own, and how it reaches them; bound from <c>Macha:Hosts</c>.</summary>
public sealed class HostsOptions
{
    public const string SectionName = "Macha:Hosts";

    /// <summary>Remote hosts reached over SSH. Each is trusted: the cycle visits it without confirmation.</summary>
    public List<RemoteHostOptions> Remote { get; set; } = [];

    /// <summary>
    /// Accepts and pins the key a host presents on its first connection when it has no pinned key.
    /// Off by default, because the first connection is then unauthenticated.
    /// </summary>
    public bool TrustOnFirstUse { get; set; }

    /// <summary>User for hosts that do not name one, including discovered hosts.</summary>
    public string DefaultUser { get; set; } = "macha";

    /// <summary>Private-key file for hosts that do not name one, including discovered hosts.</summary>
    public string DefaultPrivateKeyFile { get; set; } = string.Empty;

    /// <summary>Limit on the TCP connection and on each step of the SSH handshake.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Interval of SSH keep-alive messages on an open connection.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>An open connection unused for this long is closed; the next command opens a new one.</summary>
    public TimeSpan ConnectionIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Wait before connecting again after a refused, unreachable, timed-out or lost connection.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Wait after the first failed authentication; it doubles with each further failure.</summary>
    public TimeSpan AuthenticationFailureBackoff { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Cap on the doubling wait after failed authentications.</summary>
    public TimeSpan AuthenticationFailureMaxBackoff { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Where discovery finds host names that are added as discovered, not trusted.</summary>
    public HostDiscoveryOptions Discovery { get; set; } = new();
}

/// <summary>One remote host from configuration.</summary>
public sealed class RemoteHostOptions
{
    /// <summary>Name the host appears under in findings, incidents and the dashboard.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>DNS name or IP address to connect to; empty means <see cref="Name"/>.</summary>
    public string Address { get; set; } = string.Empty;

    public int Port { get; set; } = 22;

    /// <summary>Login user; empty means <see cref="HostsOptions.DefaultUser"/>.</summary>
    public string User { get; set; } = string.Empty;

    /// <summary>Private key offered to this host, and no other; empty means <see cref="HostsOptions.DefaultPrivateKeyFile"/>.</summary>
    public string PrivateKeyFile { get; set; } = string.Empty;

    /// <summary>Accepted host-key fingerprints, as <c>ssh-keygen -lf</c> prints them (<c>SHA256:…</c>).</summary>
    public List<string> HostKeyFingerprints { get; set; } = [];

    public List<string> Tags { get; set; } = [];

    /// <summary>Autonomy level for actions on this host; null means <c>Macha:Actions:AutonomyLevel</c>.</summary>
    public AutonomyLevel? AutonomyLevel { get; set; }
}

/// <summary>Sources of host names for discovery; both are off when empty.</summary>
public sealed class HostDiscoveryOptions
{
    /// <summary>Directory of journal files a central systemd-journal-remote writes; each _HOSTNAME found is a candidate.</summary>
    public string JournalDirectory { get; set; } = string.Empty;

    /// <summary>Flake reference whose <c>nixosConfigurations</c> names are candidates, such as <c>/etc/nixos</c>.</summary>
    public string Flake { get; set; } = string.Empty;

    /// <summary>Time between two discovery runs.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Limit on one discovery command.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
