using System.Globalization;
using Macha.Core.Configuration;
using Macha.Core.Monitoring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Storage;

/// <summary>
/// Writes each snapshot as snapshots/&lt;host&gt;/snapshot_&lt;UTC time&gt;.json under the data
/// directory, and deletes files beyond the configured count and age.
/// </summary>
internal sealed partial class SnapshotFileStore
{
    private const string FilePrefix = "snapshot_";
    // Milliseconds in the name, because manual cycles can run within the same second.
    private const string TimeFormat = "yyyyMMdd'T'HHmmssfff'Z'";
    private const string SecondsTimeFormat = "yyyyMMdd'T'HHmmss'Z'";

    private readonly IOptionsMonitor<MachaOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<SnapshotFileStore> _logger;

    public SnapshotFileStore(IOptionsMonitor<MachaOptions> options, TimeProvider timeProvider, ILogger<SnapshotFileStore> logger)
    {
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public string DirectoryFor(string hostName) =>
        Path.Combine(_options.CurrentValue.ResolveDataDirectory(), "snapshots", SafeFileName(hostName));

    public async Task<string> WriteAsync(HostSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);

        var directory = DirectoryFor(snapshot.HostName);
        Directory.CreateDirectory(directory);
        var name = FilePrefix + snapshot.TakenAt.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture) + ".json";
        var path = Path.Combine(directory, name);

        // Write to a temporary name and rename, so a crash never leaves a half-written snapshot file.
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, SnapshotJson.Serialize(snapshot), cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                File.Move(temporary, path, overwrite: false);
                return path;
            }
            catch (IOException) when (File.Exists(path) && attempt < 100)
            {
                // Two snapshots of one host in the same millisecond: keep both.
                path = Path.Combine(directory, Path.GetFileNameWithoutExtension(name) + $"-{attempt}.json");
            }
        }
    }

    /// <summary>Deletes this host's snapshot files beyond the count limit or older than the age limit.</summary>
    public int ApplyRetention(string hostName)
    {
        var directory = DirectoryFor(hostName);
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        var options = _options.CurrentValue;
        var oldestKept = _timeProvider.GetUtcNow() - options.RetentionAge;
        var files = Directory.GetFiles(directory, FilePrefix + "*.json")
            .Select(path => (Path: path, TakenAt: ParseTime(path)))
            .OrderByDescending(file => file.TakenAt)
            .ToList();

        var deleted = 0;
        for (var i = 0; i < files.Count; i++)
        {
            var (path, takenAt) = files[i];
            if (i < options.SnapshotFilesMaxCount && takenAt is not null && takenAt >= oldestKept)
            {
                continue;
            }

            try
            {
                File.Delete(path);
                deleted++;
            }
            catch (IOException ex)
            {
                LogDeleteFailed(ex, path);
            }
        }

        return deleted;
    }

    private static DateTimeOffset? ParseTime(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path)[FilePrefix.Length..];
        var suffix = name.IndexOf('-', StringComparison.Ordinal);
        if (suffix >= 0)
        {
            name = name[..suffix];
        }

        // Files written before milliseconds were added to the name have whole seconds.
        return DateTimeOffset.TryParseExact(
            name,
            [TimeFormat, SecondsTimeFormat],
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal,
            out var time)
            ? time
            : null;
    }

    // Host names come from configuration; keep them from climbing out of the snapshot directory.
    private static string SafeFileName(string hostName)
    {
        var invalid = Path.GetInvalidFileNameChars();
        var safe = new string(hostName.Select(c => invalid.Contains(c) ? '_' : c).ToArray());
        return safe is "." or ".." ? "_" : safe;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete old snapshot file {SnapshotPath}")]
    private partial void LogDeleteFailed(Exception exception, string snapshotPath);
}
