using Macha.Core.Analysis;
using Macha.Core.Approvals;
using Macha.Core.Incidents;
using Microsoft.EntityFrameworkCore;

namespace Macha.Core.Storage;

/// <summary>Which incidents the Incidents page lists; every filter is optional.</summary>
/// <param name="State">One state, or null for all of them.</param>
/// <param name="ChangedSince">Only incidents that changed at or after this time.</param>
public sealed record IncidentSearch(string? HostName = null, string? Severity = null, IncidentState? State = null, DateTimeOffset? ChangedSince = null);

/// <summary>One point of a host's chart: the average of the snapshots in a time bucket.</summary>
public sealed record MetricPoint(
    DateTimeOffset At,
    double? CpuPercent,
    double? MemoryPercent,
    double? Load1,
    double? Load5,
    double? DiskMaxPercent);

/// <summary>Read-only queries of the dashboard's pages that the API does not share.</summary>
public sealed class DashboardQueries(IDbContextFactory<MachaDbContext> databases)
{
    /// <summary>Returns incidents that match every given filter, most recently changed first.</summary>
    public async Task<IReadOnlyList<IncidentRecord>> SearchIncidentsAsync(IncidentSearch search, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);

        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var query = db.Incidents.AsNoTracking();
        if (!string.IsNullOrEmpty(search.HostName))
        {
            query = query.Where(i => i.HostName == search.HostName);
        }

        if (!string.IsNullOrEmpty(search.Severity))
        {
            query = query.Where(i => i.Severity == search.Severity);
        }

        if (search.State is { } state)
        {
            query = query.Where(i => i.State == state);
        }

        if (search.ChangedSince is { } since)
        {
            query = query.Where(i => i.ChangedAt >= since);
        }

        return await query
            .OrderByDescending(i => i.ChangedAt)
            .Take(Math.Clamp(limit, 1, HealthQueries.MaxLimit))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Returns the host names that have incidents or snapshots, sorted, for filter choices.</summary>
    public async Task<IReadOnlyList<string>> ListHostNamesAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var fromIncidents = await db.Incidents.Select(i => i.HostName).Distinct().ToListAsync(cancellationToken);
        var fromSnapshots = await db.Snapshots.Select(s => s.HostName).Distinct().ToListAsync(cancellationToken);
        return fromIncidents.Union(fromSnapshots, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Returns the latest findings behind an incident, newest first: the evidence of each cycle that saw it.</summary>
    public async Task<IReadOnlyList<FindingRecord>> ListFindingsOfAsync(string fingerprint, int limit, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        return await db.Findings.AsNoTracking()
            .Where(f => f.Fingerprint == fingerprint)
            .OrderByDescending(f => f.Id)
            .Take(Math.Clamp(limit, 1, HealthQueries.MaxLimit))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Returns the approvals proposed for an incident, newest first.</summary>
    public async Task<IReadOnlyList<ApprovalRecord>> ListApprovalsOfAsync(Guid incidentId, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        return await db.Approvals.AsNoTracking()
            .Where(a => a.IncidentId == incidentId)
            .OrderByDescending(a => a.CreatedAt)
            .ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AnalysisRecord>> ListAnalysesOfAsync(Guid incidentId, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        return await db.Analyses.AsNoTracking()
            .Where(a => a.IncidentId == incidentId)
            .OrderByDescending(a => a.RequestedAt)
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Returns a host's metrics from <paramref name="from"/> to <paramref name="to"/> in at most
    /// <paramref name="maxPoints"/> equal time buckets, each the average of its snapshots. Empty
    /// buckets are left out, so a gap in collection shows as a gap, not as zero.
    /// </summary>
    public async Task<IReadOnlyList<MetricPoint>> GetMetricSeriesAsync(
        string hostName, DateTimeOffset from, DateTimeOffset to, int maxPoints, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 1);
        if (to <= from)
        {
            return [];
        }

        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var rows = await db.HostMetrics.AsNoTracking()
            .Where(m => m.HostName == hostName && m.TakenAt >= from && m.TakenAt <= to)
            .OrderBy(m => m.TakenAt)
            .ToListAsync(cancellationToken);

        var bucketTicks = Math.Max(1, (to - from).Ticks / maxPoints);
        return rows
            .GroupBy(m => Math.Min(maxPoints - 1, (m.TakenAt - from).Ticks / bucketTicks))
            .Select(bucket => new MetricPoint(
                from + TimeSpan.FromTicks((bucket.Key * bucketTicks) + (bucketTicks / 2)),
                Average(bucket.Select(m => m.CpuPercent)),
                Average(bucket.Select(m => m.MemoryPercent)),
                Average(bucket.Select(m => m.Load1)),
                Average(bucket.Select(m => m.Load5)),
                Average(bucket.Select(m => m.DiskMaxPercent))))
            .OrderBy(p => p.At)
            .ToList();
    }

    private static double? Average(IEnumerable<double?> values)
    {
        var present = values.OfType<double>().ToList();
        return present.Count == 0 ? null : present.Average();
    }
}
