using System.Diagnostics.CodeAnalysis;
using Macha.Core.Hosts;

namespace Macha.Core.Monitoring;

/// <summary>
/// Reads one area of a host's health through its shell and fills a section of the snapshot.
/// </summary>
/// <remarks>
/// A collector reports problems through its returned status and does not throw for bad output,
/// failed commands or missing tools. The runner still catches anything that escapes, and abandons a
/// collector that exceeds its time limit, so one collector never fails the cycle.
/// </remarks>
public interface ICollector
{
    /// <summary>Short lower-case name used in statuses, options and logs, such as "memory".</summary>
    string Name { get; }

    /// <summary>
    /// Files this collector reads on every host. They are read for all enabled collectors with one
    /// command before any collector runs, and <see cref="CollectionContext.ReadFileAsync"/> returns
    /// that content. Files read only sometimes are better left out.
    /// </summary>
    IReadOnlyList<FileReadRequest> FilesRead => [];

    Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default);
}

/// <summary>What a collector reports back; the runner adds the name and the elapsed time.</summary>
public sealed record CollectorOutcome(CollectorState State, string? Detail = null, string? FirstBytes = null)
{
    public static CollectorOutcome Ok() => new(CollectorState.Ok);

    public static CollectorOutcome Partial(string detail) => new(CollectorState.Partial, detail);

    public static CollectorOutcome Unavailable(string reason) => new(CollectorState.Unavailable, reason);

    public static CollectorOutcome NotApplicable(string reason) => new(CollectorState.NotApplicable, reason);

    public static CollectorOutcome Failed(string reason, string? output = null) =>
        new(CollectorState.Failed, reason, output is null ? null : CollectorStatus.Excerpt(output));

    /// <summary>Maps a command that did not succeed to a collector outcome.</summary>
    public static CollectorOutcome FromCommand(CommandResult result, CommandRequest request) => result.Status switch
    {
        CommandStatus.NotFound => Unavailable(result.Describe(request.DisplayText)),
        CommandStatus.TimedOut => new(CollectorState.TimedOut, result.Describe(request.DisplayText)),
        _ => Failed(result.Describe(request.DisplayText), result.StandardOutput + result.StandardError),
    };
}

/// <summary>What a collector works with during one cycle on one host.</summary>
public sealed class CollectionContext
{
    public required IHostShell Shell { get; init; }

    /// <summary>The snapshot being built; the collector sets its own section.</summary>
    public required HostSnapshot Snapshot { get; init; }

    /// <summary>The host's previous snapshot, for deltas (CPU) and cursors (journal); null on the first cycle.</summary>
    public HostSnapshot? Previous { get; init; }

    public required MonitoringOptions Options { get; init; }

    /// <summary>Files read ahead for the collectors, by path, with the cap they were read with.</summary>
    private Dictionary<string, (int MaxBytes, FileReadResult Result)> _readAhead = new(StringComparer.Ordinal);

    /// <summary>
    /// Reads the files every collector declared in <see cref="ICollector.FilesRead"/>, in one
    /// batch limited by <see cref="MonitoringOptions.CommandTimeout"/>.
    /// </summary>
    public async Task ReadAheadAsync(IEnumerable<FileReadRequest> files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);

        // A path declared twice is read once, with the larger cap.
        var merged = files
            .GroupBy(file => file.Path, StringComparer.Ordinal)
            .Select(group => new FileReadRequest(group.Key, group.Max(file => file.MaxBytes)))
            .ToList();
        var results = await Shell.ReadFilesAsync(merged, Options.CommandTimeout, cancellationToken);
        _readAhead = merged
            .Zip(results)
            .ToDictionary(pair => pair.First.Path, pair => (pair.First.MaxBytes, pair.Second), StringComparer.Ordinal);
    }

    /// <summary>
    /// Reads a file, from what was read ahead when it covers <paramref name="maxBytes"/>, else through
    /// the shell within <see cref="MonitoringOptions.CommandTimeout"/>.
    /// </summary>
    public async Task<FileReadResult> ReadFileAsync(string path, int maxBytes, CancellationToken cancellationToken = default)
    {
        var results = await ReadFilesAsync([new FileReadRequest(path, maxBytes)], cancellationToken);
        return results[0];
    }

    /// <summary>
    /// Reads several files, from what was read ahead where possible and the rest in one batch
    /// limited by <see cref="MonitoringOptions.CommandTimeout"/>.
    /// </summary>
    public async Task<IReadOnlyList<FileReadResult>> ReadFilesAsync(IReadOnlyList<FileReadRequest> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);

        var results = new FileReadResult[files.Count];
        var missing = new List<int>();
        for (var i = 0; i < files.Count; i++)
        {
            if (TryReadAhead(files[i].Path, files[i].MaxBytes, out var result))
            {
                results[i] = result;
            }
            else
            {
                missing.Add(i);
            }
        }

        if (missing.Count > 0)
        {
            var fetched = await Shell.ReadFilesAsync(missing.Select(i => files[i]).ToList(), Options.CommandTimeout, cancellationToken);
            for (var j = 0; j < missing.Count; j++)
            {
                results[missing[j]] = fetched[j];
            }
        }

        return results;
    }

    /// <summary>Returns the read-ahead result for <paramref name="path"/> when it was read with at least <paramref name="maxBytes"/>.</summary>
    private bool TryReadAhead(string path, int maxBytes, [MaybeNullWhen(false)] out FileReadResult result)
    {
        if (_readAhead.TryGetValue(path, out var read) && read.MaxBytes >= maxBytes)
        {
            result = Cap(read.Result, maxBytes);
            return true;
        }

        result = null;
        return false;
    }

    /// <summary>Cuts content read with a larger cap down to <paramref name="maxBytes"/>, as a read with that cap would.</summary>
    private static FileReadResult Cap(FileReadResult result, int maxBytes)
    {
        if (!result.Exists || System.Text.Encoding.UTF8.GetByteCount(result.Content) <= maxBytes)
        {
            return result;
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes(result.Content);
        return result with { Content = System.Text.Encoding.UTF8.GetString(bytes, 0, maxBytes) };
    }

    /// <summary>Builds a request with the configured command timeout and output cap.</summary>
    public CommandRequest Command(string program, params string[] arguments) =>
        new(program, arguments, Options.CommandTimeout, Options.MaxOutputBytes);
}
