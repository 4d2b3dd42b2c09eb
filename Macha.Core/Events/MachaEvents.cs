using Macha.Core.Analysis;
using Macha.Core.Approvals;

namespace Macha.Core.Events;

/// <summary>A change outside the health cycle that live views show without a reload.</summary>
public abstract record MachaEvent(DateTimeOffset At);

/// <summary>An approval was queued or changed state.</summary>
public sealed record ApprovalChanged(Guid ApprovalId, ApprovalState State, DateTimeOffset At) : MachaEvent(At);

/// <summary>An analysis of an incident started, finished, failed or was skipped.</summary>
public sealed record AnalysisChanged(Guid AnalysisId, Guid IncidentId, AnalysisState State, DateTimeOffset At) : MachaEvent(At);

/// <summary>A line was appended to decisions.jsonl or actions.jsonl.</summary>
public sealed record AuditAppended(Storage.Audit.AuditFile File, long Seq, DateTimeOffset At) : MachaEvent(At);

/// <summary>A message was added to the discussion of an approval or an incident.</summary>
public sealed record DiscussionChanged(Discussions.DiscussionSubject Subject, Guid SubjectId, DateTimeOffset At) : MachaEvent(At);

/// <summary>
/// The broadcast of approvals, analyses, audit lines and discussions. Changes to incidents come with
/// the health cycle's <see cref="Cycle.CycleEvents"/>, because only the cycle changes incidents.
/// </summary>
public sealed class MachaEvents : EventBroadcast<MachaEvent>;
