using Macha.Core.Analysis;
using Macha.Core.Incidents;
using Macha.Core.Monitoring;
using Microsoft.EntityFrameworkCore;

namespace Macha.Core.Storage;

/// <summary>Read-only queries over stored health data, shared by the API and the dashboard.</summary>
public sealed class HealthQueries
{
    /// <summary>Largest page any list query returns.</summary>
    public const int MaxLimit = 500;

    private readonly IDbContextFactory<MachaDbContext> _databases;

    public HealthQueries(IDbContextFactory<MachaDbContext> databases)
    {
        _databases = databases;
    }

    /// <summary>Returns the newest snapshot of each host, ordered by host name.</summary>
    public async Task<IReadOnlyList<HostSnapshot>> GetLatestSnapshotsAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var latestIds = db.Snapshots
            .GroupBy(s => s.HostName)
            .Select(group => group.Max(s => s.Id));
        var rows = await db.Snapshots
            .Where(s => latestIds.Contains(s.Id))
            .OrderBy(s => s.HostName)
            .Select(s => s.Json)
            .ToListAsync(cancellationToken);
        return rows.Select(SnapshotJson.Deserialize).OfType<HostSnapshot>().ToList();
    }

    /// <summary>Returns the newest snapshots, newest first, of one host or of all.</summary>
    public async Task<IReadOnlyList<HostSnapshot>> ListSnapshotsAsync(string? hostName, int limit, CancellationToken cancellationToken = default)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var query = db.Snapshots.AsQueryable();
        if (!string.IsNullOrEmpty(hostName))
        {
            query = query.Where(s => s.HostName == hostName);
        }

        var rows = await query
            .OrderByDescending(s => s.Id)
            .Take(Math.Clamp(limit, 1, MaxLimit))
            .Select(s => s.Json)
            .ToListAsync(cancellationToken);
        return rows.Select(SnapshotJson.Deserialize).OfType<HostSnapshot>().ToList();
    }

    /// <summary>
    /// Returns findings, most severe first. Without <paramref name="since"/> it returns only the
    /// findings of each host's newest snapshot: what is wrong now.
    /// </summary>
    public async Task<IReadOnlyList<FindingRecord>> ListFindingsAsync(
        string? hostName,
        DateTimeOffset? since,
        int limit,
        CancellationToken cancellationToken = default)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var query = db.Findings.AsNoTracking();
        if (!string.IsNullOrEmpty(hostName))
        {
            query = query.Where(f => f.HostName == hostName);
        }

        if (since is { } from)
        {
            query = query.Where(f => f.DetectedAt >= from);
        }
        else
        {
            var latestSnapshotIds = db.Snapshots.GroupBy(s => s.HostName).Select(group => group.Max(s => s.Id));
            query = query.Where(f => latestSnapshotIds.Contains(f.SnapshotId));
        }

        var rows = await query
            .OrderByDescending(f => f.Id)
            .Take(Math.Clamp(limit, 1, MaxLimit))
            .ToListAsync(cancellationToken);
        return rows
            .OrderByDescending(f => SeverityRank(f.Severity))
            .ThenByDescending(f => f.DetectedAt)
            .ToList();
    }

    /// <summary>
    /// Returns incidents, most recently changed first. Without <paramref name="state"/>, returns the
    /// open and ongoing ones: what needs attention now.
    /// </summary>
    public async Task<IReadOnlyList<IncidentRecord>> ListIncidentsAsync(
        string? hostName,
        IncidentState? state,
        int limit,
        CancellationToken cancellationToken = default)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var query = db.Incidents.AsNoTracking();
        if (!string.IsNullOrEmpty(hostName))
        {
            query = query.Where(i => i.HostName == hostName);
        }

        query = state is { } wanted
            ? query.Where(i => i.State == wanted)
            : query.Where(i => i.State != IncidentState.Resolved);

        return await query
            .OrderByDescending(i => i.ChangedAt)
            .Take(Math.Clamp(limit, 1, MaxLimit))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Returns the newest analysis of each of these incidents, by incident id.</summary>
    public async Task<IReadOnlyDictionary<Guid, AnalysisRecord>> GetLatestAnalysesAsync(
        IReadOnlyCollection<Guid> incidentIds,
        CancellationToken cancellationToken = default)
    {
        if (incidentIds.Count == 0)
        {
            return new Dictionary<Guid, AnalysisRecord>();
        }

        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var analyses = await db.Analyses.AsNoTracking()
            .Where(a => incidentIds.Contains(a.IncidentId))
            .ToListAsync(cancellationToken);
        return analyses
            .GroupBy(a => a.IncidentId)
            .ToDictionary(group => group.Key, group => group.OrderByDescending(a => a.RequestedAt).First());
    }

    public async Task<IReadOnlyList<AnalysisRecord>> ListAnalysesAsync(Guid incidentId, CancellationToken cancellationToken = default)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        return await db.Analyses.AsNoTracking()
            .Where(a => a.IncidentId == incidentId)
            .OrderByDescending(a => a.RequestedAt)
            .ToListAsync(cancellationToken);
    }

    public async Task<IncidentRecord?> GetIncidentAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        return await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id, cancellationToken);
    }

    public async Task<IReadOnlyList<CycleRunRecord>> ListCycleRunsAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        return await db.CycleRuns.AsNoTracking()
            .OrderByDescending(r => r.RequestedAt)
            .Take(Math.Clamp(limit, 1, MaxLimit))
            .ToListAsync(cancellationToken);
    }

    public async Task<CycleRunRecord?> GetCycleRunAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        return await db.CycleRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
    }

    /// <summary>Returns snapshots matching the filter, newest first, skipping <see cref="ListFilter.Offset"/>.</summary>
    public async Task<IReadOnlyList<HostSnapshot>> ListSnapshotsAsync(SnapshotFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var query = db.Snapshots.AsNoTracking();
        if (!string.IsNullOrEmpty(filter.HostName))
        {
            query = query.Where(s => s.HostName == filter.HostName);
        }

        if (filter.Since is { } since)
        {
            query = query.Where(s => s.TakenAt >= since);
        }

        if (filter.Until is { } until)
        {
            query = query.Where(s => s.TakenAt < until);
        }

        var rows = await query
            .OrderByDescending(s => s.Id)
            .Skip(filter.Offset)
            .Take(Math.Clamp(filter.Limit, 1, MaxLimit))
            .Select(s => s.Json)
            .ToListAsync(cancellationToken);
        return rows.Select(SnapshotJson.Deserialize).OfType<HostSnapshot>().ToList();
    }

    /// <summary>
    /// Returns findings matching the filter, most severe first, then newest first. Without since
    /// and until, only the findings of each host's newest snapshot count:
    /// what is wrong now.
    /// </summary>
    public async Task<IReadOnlyList<FindingRecord>> ListFindingsAsync(FindingFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var query = db.Findings.AsNoTracking();
        if (!string.IsNullOrEmpty(filter.HostName))
        {
            query = query.Where(f => f.HostName == filter.HostName);
        }

        if (!string.IsNullOrEmpty(filter.Severity))
        {
            query = query.Where(f => f.Severity == filter.Severity);
        }

        if (!string.IsNullOrEmpty(filter.Kind))
        {
            query = query.Where(f => f.Kind == filter.Kind);
        }

        if (filter.Since is null && filter.Until is null)
        {
            var latestSnapshotIds = db.Snapshots.GroupBy(s => s.HostName).Select(group => group.Max(s => s.Id));
            query = query.Where(f => latestSnapshotIds.Contains(f.SnapshotId));
        }

        if (filter.Since is { } since)
        {
            query = query.Where(f => f.DetectedAt >= since);
        }

        if (filter.Until is { } until)
        {
            query = query.Where(f => f.DetectedAt < until);
        }

        // Most severe first, as the list without paging always was; SQLite evaluates the rank as a CASE.
        return await query
            .OrderByDescending(f => f.Severity == "Critical" ? 2 : f.Severity == "Warning" ? 1 : 0)
            .ThenByDescending(f => f.Id)
            .Skip(filter.Offset)
            .Take(Math.Clamp(filter.Limit, 1, MaxLimit))
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Returns incidents matching the filter, most recently changed first. Without a state, returns
    /// the open and ongoing ones. Since and until apply to the time of the last change.
    /// </summary>
    public async Task<IReadOnlyList<IncidentRecord>> ListIncidentsAsync(IncidentFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var query = db.Incidents.AsNoTracking();
        if (!string.IsNullOrEmpty(filter.HostName))
        {
            query = query.Where(i => i.HostName == filter.HostName);
        }

        query = filter.State is { } wanted
            ? query.Where(i => i.State == wanted)
            : query.Where(i => i.State != IncidentState.Resolved);

        if (!string.IsNullOrEmpty(filter.Severity))
        {
            query = query.Where(i => i.Severity == filter.Severity);
        }

        if (filter.Since is { } since)
        {
            query = query.Where(i => i.ChangedAt >= since);
        }

        if (filter.Until is { } until)
        {
            query = query.Where(i => i.ChangedAt < until);
        }

        return await query
            .OrderByDescending(i => i.ChangedAt)
            .Skip(filter.Offset)
            .Take(Math.Clamp(filter.Limit, 1, MaxLimit))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Returns health cycle runs matching the filter, most recently requested first.</summary>
    public async Task<IReadOnlyList<CycleRunRecord>> ListCycleRunsAsync(CycleRunFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var query = db.CycleRuns.AsNoTracking();
        if (filter.State is { } state)
        {
            query = query.Where(r => r.State == state);
        }

        if (filter.Since is { } since)
        {
            query = query.Where(r => r.RequestedAt >= since);
        }

        if (filter.Until is { } until)
        {
            query = query.Where(r => r.RequestedAt < until);
        }

        return await query
            .OrderByDescending(r => r.RequestedAt)
            .Skip(filter.Offset)
            .Take(Math.Clamp(filter.Limit, 1, MaxLimit))
            .ToListAsync(cancellationToken);
    }

    private static int SeverityRank(string severity) => severity switch
    {
        "Critical" => 2,
        "Warning" => 1,
        _ => 0,
    };
}
