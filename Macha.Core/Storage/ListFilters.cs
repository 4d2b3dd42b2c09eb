using Macha.Core.Incidents;

namespace Macha.Core.Storage;

/// <summary>
/// The page of a list query: at most <see cref="Limit"/> items after skipping <see cref="Offset"/>.
/// Since is inclusive and until exclusive, so consecutive windows never count an item twice.
/// </summary>
public abstract record ListFilter
{
    public int Limit { get; init; } = 50;

    public int Offset { get; init; }

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }
}

public sealed record SnapshotFilter : ListFilter
{
    public string? HostName { get; init; }
}

public sealed record FindingFilter : ListFilter
{
    public string? HostName { get; init; }

    /// <summary>Info, Warning or Critical, matched exactly.</summary>
    public string? Severity { get; init; }

    public string? Kind { get; init; }
}

public sealed record IncidentFilter : ListFilter
{
    public string? HostName { get; init; }

    /// <summary>The state to list; null lists the open and ongoing incidents.</summary>
    public IncidentState? State { get; init; }

    public string? Severity { get; init; }
}

public sealed record CycleRunFilter : ListFilter
{
    public CycleState? State { get; init; }
}
