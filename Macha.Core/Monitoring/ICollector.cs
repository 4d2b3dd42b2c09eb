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

    /// <summary>Builds a request with the configured command timeout and output cap.</summary>
    public CommandRequest Command(string program, params string[] arguments) =>
        new(program, arguments, Options.CommandTimeout, Options.MaxOutputBytes);
}
