namespace Macha.Core.Configuration;

/// <summary>Top-level settings, bound from the <c>Macha</c> configuration section.</summary>
public sealed class MachaOptions
{
    public const string SectionName = "Macha";

    /// <summary>
    /// Directory for the database, snapshot files and audit logs. Empty means the default:
    /// $XDG_DATA_HOME/macha (or ~/.local/share/macha) when run by hand.
    /// </summary>
    public string DataDirectory { get; set; } = string.Empty;

    /// <summary>Time between two scheduled health cycles.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Name under which the machine Macha runs on appears; empty means the machine's host name.</summary>
    public string LocalHostName { get; set; } = string.Empty;

    /// <summary>Most snapshot_*.json files kept in the data directory; older ones are deleted.</summary>
    public int SnapshotFilesMaxCount { get; set; } = 2016;

    /// <summary>Age after which snapshot files, snapshots, findings and cycle runs are deleted.</summary>
    public TimeSpan RetentionAge { get; set; } = TimeSpan.FromDays(7);

    public string ResolveDataDirectory()
    {
        if (!string.IsNullOrWhiteSpace(DataDirectory))
        {
            return Path.GetFullPath(DataDirectory);
        }

        var dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        if (string.IsNullOrWhiteSpace(dataHome))
        {
            dataHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        }

        return Path.Combine(dataHome, "macha");
    }

    public string ResolveLocalHostName() =>
        string.IsNullOrWhiteSpace(LocalHostName) ? Environment.MachineName : LocalHostName;
}
