namespace Macha.Core.Monitoring;

/// <summary>How collectors run; bound from the <c>Macha:Monitoring</c> configuration section.</summary>
public sealed class MonitoringOptions
{
    public const string SectionName = "Macha:Monitoring";

    /// <summary>Time limit of one command, after which its process tree is killed.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time limit of one collector as a whole, after which the cycle goes on without it.</summary>
    public TimeSpan CollectorTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Time limit of the stat -f probe of one network filesystem (NFS, CIFS, sshfs), after which the
    /// mount counts as unresponsive and the other mounts are still measured.
    /// </summary>
    public TimeSpan NetworkMountTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Cap on the standard output captured from one command, in bytes.</summary>
    public int MaxOutputBytes { get; set; } = 1024 * 1024;

    /// <summary>Names of collectors not to run, such as "network".</summary>
    public List<string> DisabledCollectors { get; set; } = [];

    /// <summary>How far back the journal is read on the first cycle, before a cursor exists.</summary>
    public TimeSpan JournalInitialLookback { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Most journal entries read in one cycle; the rest are counted on the next.</summary>
    public int JournalMaxEntries { get; set; } = 5000;

    /// <summary>Host names to resolve in the network check; empty by default, so a fresh install contacts nothing.</summary>
    public List<string> DnsNames { get; set; } = [];

    /// <summary>
    /// Targets of the network check: "host" is pinged, "host:port" gets a TCP connection. Empty by
    /// default, so a fresh install contacts nothing.
    /// </summary>
    public List<string> ReachabilityTargets { get; set; } = [];
}
