using System.Text;
using System.Text.Json;

namespace Macha.Core.Storage.Audit;

/// <summary>One line of an audit file as read back, with its data as parsed JSON.</summary>
public sealed record AuditRecord(long Seq, DateTimeOffset At, string Type, string Actor, string? Host, Guid? IncidentId, JsonElement Data);

/// <summary>
/// Which audit lines to read. With <see cref="After"/> the lines after that seq come oldest first,
/// which is how a follower continues; otherwise the newest come first, and <see cref="Before"/>
/// continues a listing from its last seq.
/// </summary>
public sealed record AuditQuery
{
    /// <summary>An exact type such as <c>action.failed</c>, or a prefix ending in a dot such as <c>approval.</c>.</summary>
    public string? Type { get; init; }

    public string? HostName { get; init; }

    public Guid? IncidentId { get; init; }

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    public long? After { get; init; }

    public long? Before { get; init; }

    public int Limit { get; init; } = 50;
}

/// <summary>
/// Reads the audit files for the API and the CLI. Lines that are not valid audit JSON are skipped:
/// <see cref="AuditVerifier"/> is what reports them.
/// </summary>
/// <remarks>
/// NOTE: a newest-first listing streams the whole file, keeping only the page in memory. That is
/// fine for the sizes Macha writes (a line per decision or action), but an index by seq would be
/// needed for files of millions of lines.
/// </remarks>
public static class AuditReader
{
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    public static async Task<IReadOnlyList<AuditRecord>> ReadAsync(string path, AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Max(1, query.Limit);

        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }

        await using (stream)
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var page = new Queue<AuditRecord>(limit);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (Parse(line) is not { } record || !Matches(record, query))
                {
                    continue;
                }

                if (query.After is not null)
                {
                    page.Enqueue(record);
                    if (page.Count == limit)
                    {
                        break;
                    }

                    continue;
                }

                // Newest first: keep a sliding window of the last matching lines.
                if (page.Count == limit)
                {
                    page.Dequeue();
                }

                page.Enqueue(record);
            }

            return query.After is null ? page.Reverse().ToList() : page.ToList();
        }
    }

    private static bool Matches(AuditRecord record, AuditQuery query)
    {
        if (query.After is { } after && record.Seq <= after)
        {
            return false;
        }

        if (query.Before is { } before && record.Seq >= before)
        {
            return false;
        }

        if (query.Type is { Length: > 0 } type && !(type.EndsWith('.')
                ? record.Type.StartsWith(type, StringComparison.Ordinal)
                : string.Equals(record.Type, type, StringComparison.Ordinal)))
        {
            return false;
        }

        if (query.HostName is { Length: > 0 } host && !string.Equals(record.Host, host, StringComparison.Ordinal))
        {
            return false;
        }

        if (query.IncidentId is { } incident && record.IncidentId != incident)
        {
            return false;
        }

        return (query.Since is not { } since || record.At >= since) && (query.Until is not { } until || record.At < until);
    }

    private static AuditRecord? Parse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("seq", out var seq) || !seq.TryGetInt64(out var seqValue)
                || !root.TryGetProperty("at", out var at) || !at.TryGetDateTimeOffset(out var atValue)
                || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("actor", out var actor) || actor.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            string? host = root.TryGetProperty("host", out var hostElement) && hostElement.ValueKind == JsonValueKind.String ? hostElement.GetString() : null;
            Guid? incidentId = root.TryGetProperty("incident_id", out var incident) && incident.ValueKind == JsonValueKind.String && incident.TryGetGuid(out var id) ? id : null;
            var data = root.TryGetProperty("data", out var dataElement) ? dataElement.Clone() : EmptyObject;
            return new AuditRecord(seqValue, atValue, type.GetString()!, actor.GetString()!, host, incidentId, data);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
