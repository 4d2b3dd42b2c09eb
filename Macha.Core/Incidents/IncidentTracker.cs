using Macha.Core.Detection;
using Macha.Core.Monitoring;
using Macha.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Incidents;

/// <summary>Joins each cycle's findings to incidents by fingerprint and reports what changed.</summary>
internal sealed partial class IncidentTracker
{
    private readonly IOptionsMonitor<IncidentOptions> _options;
    private readonly ILogger<IncidentTracker> _logger;

    public IncidentTracker(IOptionsMonitor<IncidentOptions> options, ILogger<IncidentTracker> logger)
    {
        _options = options;
        _logger = logger;
    }

    /// <summary>
    /// Updates the host's incidents in <paramref name="db"/> from one snapshot's findings; the caller
    /// saves. Returns the changes that matter downstream: opened, reopened, severity changed, resolved.
    /// </summary>
    public async Task<IReadOnlyList<IncidentChange>> TrackAsync(
        MachaDbContext db,
        HostSnapshot snapshot,
        IReadOnlyList<Finding> findings,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(findings);

        var now = snapshot.TakenAt;
        var fingerprints = findings.Select(f => f.Fingerprint).ToList();

        // Active incidents of the host, plus resolved ones that this cycle's findings would reopen.
        var incidents = await db.Incidents
            .Where(i => i.HostName == snapshot.HostName && (i.State != IncidentState.Resolved || fingerprints.Contains(i.Fingerprint)))
            .ToListAsync(cancellationToken);
        var byFingerprint = incidents
            .GroupBy(i => i.Fingerprint)
            .ToDictionary(group => group.Key, group => group.OrderByDescending(i => i.OpenedAt).First(), StringComparer.Ordinal);

        var changes = new List<IncidentChange>();
        foreach (var finding in findings)
        {
            if (byFingerprint.TryGetValue(finding.Fingerprint, out var incident))
            {
                Continue(incident, finding, now, changes);
            }
            else
            {
                changes.Add(Open(db, finding, now));
            }
        }

        var seen = fingerprints.ToHashSet(StringComparer.Ordinal);
        var resolveAfter = _options.CurrentValue.ResolveAfterCleanCycles;
        foreach (var incident in byFingerprint.Values.Where(i => i.State != IncidentState.Resolved && !seen.Contains(i.Fingerprint)))
        {
            var source = FindingSources.CollectorFor(incident.Kind);
            var clean = source is null || FindingSources.RanWell(snapshot.StatusOf(source));
            if (!clean)
            {
                // The check that would see the problem did not run properly: no evidence either way.
                continue;
            }

            incident.CleanCycles++;
            if (incident.CleanCycles >= resolveAfter)
            {
                incident.State = IncidentState.Resolved;
                incident.ResolvedAt = now;
                incident.ChangedAt = now;
                incident.ChangeReason = $"Not seen for {incident.CleanCycles} cycles in a row.";
                changes.Add(Change(incident, IncidentChangeKind.Resolved));
            }
        }

        foreach (var change in changes)
        {
            LogIncidentChanged(change.Kind, change.IncidentId, change.HostName, change.Fingerprint, change.Reason);
        }

        return changes;
    }

    private static void Continue(IncidentRecord incident, Finding finding, DateTimeOffset now, List<IncidentChange> changes)
    {
        incident.LastSeenAt = now;
        incident.CleanCycles = 0;
        incident.Summary = finding.Summary;
        incident.Evidence = finding.Evidence;

        if (incident.State == IncidentState.Resolved)
        {
            incident.State = IncidentState.Open;
            incident.ResolvedAt = null;
            incident.ReopenCount++;
            incident.CyclesSeen = 1;
            incident.Severity = finding.Severity.ToString();
            incident.ChangedAt = now;
            incident.ChangeReason = $"Seen again after it was resolved (reopened {incident.ReopenCount} times).";
            changes.Add(Change(incident, IncidentChangeKind.Reopened));
            return;
        }

        incident.CyclesSeen++;
        incident.State = IncidentState.Ongoing;
        var severity = finding.Severity.ToString();
        if (severity != incident.Severity)
        {
            incident.ChangeReason = $"Severity changed from {incident.Severity} to {severity}.";
            incident.Severity = severity;
            incident.ChangedAt = now;
            changes.Add(Change(incident, IncidentChangeKind.SeverityChanged));
        }
    }

    private static IncidentChange Open(MachaDbContext db, Finding finding, DateTimeOffset now)
    {
        var incident = new IncidentRecord
        {
            Id = Guid.NewGuid(),
            Fingerprint = finding.Fingerprint,
            HostName = finding.HostName,
            Kind = finding.Kind.ToString(),
            Subject = finding.Subject,
            State = IncidentState.Open,
            Severity = finding.Severity.ToString(),
            Summary = finding.Summary,
            Evidence = finding.Evidence,
            OpenedAt = now,
            LastSeenAt = now,
            CyclesSeen = 1,
            ChangedAt = now,
            ChangeReason = "First seen.",
        };
        db.Incidents.Add(incident);
        return Change(incident, IncidentChangeKind.Opened);
    }

    private static IncidentChange Change(IncidentRecord incident, IncidentChangeKind kind) =>
        new(incident.Id, incident.HostName, incident.Fingerprint, kind, incident.ChangeReason ?? "")
        {
            IncidentKind = incident.Kind,
            Subject = incident.Subject,
            Severity = incident.Severity,
            Summary = incident.Summary,
        };

    [LoggerMessage(Level = LogLevel.Information, Message = "Incident {IncidentId} {IncidentChange} on host {HostName} (fingerprint {Fingerprint}): {Reason}")]
    private partial void LogIncidentChanged(IncidentChangeKind incidentChange, Guid incidentId, string hostName, string fingerprint, string reason);
}
