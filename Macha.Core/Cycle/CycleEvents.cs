using Macha.Core.Events;
using Macha.Core.Incidents;
using Macha.Core.Monitoring;
using Macha.Core.Storage;

namespace Macha.Core.Cycle;

/// <summary>Something that happened during a health cycle, for live views.</summary>
public abstract record CycleEvent(Guid RunId, DateTimeOffset At);

/// <param name="CollectorNames">Collectors each host runs, so a view can show progress as a share.</param>
public sealed record CycleStarted(
    Guid RunId,
    DateTimeOffset At,
    CycleTrigger Trigger,
    IReadOnlyList<string> HostNames,
    IReadOnlyList<string> CollectorNames)
    : CycleEvent(RunId, At);

public sealed record CollectorFinished(Guid RunId, DateTimeOffset At, string HostName, CollectorStatus Status)
    : CycleEvent(RunId, At);

/// <param name="IncidentChanges">Incidents of the host that opened, reopened, changed severity or resolved.</param>
public sealed record HostFinished(Guid RunId, DateTimeOffset At, string HostName, int FindingCount, IReadOnlyList<IncidentChange> IncidentChanges)
    : CycleEvent(RunId, At);

public sealed record CycleFinished(Guid RunId, DateTimeOffset At, CycleState State, int FindingCount, double DurationMs)
    : CycleEvent(RunId, At);

/// <summary>In-process broadcast of cycle events, for the Overview's progress and for pages that show incidents.</summary>
public sealed class CycleEvents : EventBroadcast<CycleEvent>;
