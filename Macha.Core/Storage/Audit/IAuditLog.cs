using System.Text.Json.Nodes;

namespace Macha.Core.Storage.Audit;

/// <summary>The two append-only audit files in the data directory.</summary>
public enum AuditFile
{
    /// <summary><c>decisions.jsonl</c>: what Macha or the model decided, and why.</summary>
    Decisions,

    /// <summary><c>actions.jsonl</c>: every action outcome, including queued, refused and rate-limited ones.</summary>
    Actions,
}

/// <summary>
/// One audit entry before it is written. <paramref name="Type"/> is one of
/// <see cref="AuditEventTypes"/> or another dotted name; <paramref name="Data"/> is copied and every
/// string in it goes through <see cref="SecretRedactor"/> first.
/// </summary>
/// <param name="Actor">Who acted: "macha", a user name, or an API token's label (never the token itself).</param>
/// <param name="Host">The managed host the entry is about; null when it is about none.</param>
public sealed record AuditEvent(string Type, string Actor, string? Host, Guid? IncidentId, JsonObject? Data = null);

/// <summary>An entry as written: its line number and the SHA-256 of its content.</summary>
public sealed record AuditEntry(AuditFile File, long Seq, DateTimeOffset At, string Hash);

/// <summary>
/// Appends hash-chained JSON lines to <c>decisions.jsonl</c> and <c>actions.jsonl</c>. Each append
/// is on disk (flushed and fsynced) when the returned task completes.
/// </summary>
public interface IAuditLog
{
    /// <summary>Returns the full path of the file, whether or not it exists yet.</summary>
    string GetPath(AuditFile file);

    /// <summary>Appends one line and returns its seq and hash.</summary>
    /// <exception cref="AuditWriteException">The file could not be opened or written.</exception>
    Task<AuditEntry> AppendAsync(AuditFile file, AuditEvent auditEvent, CancellationToken cancellationToken = default);
}

/// <summary>An audit line could not be written; the message names the file and the cause.</summary>
public sealed class AuditWriteException(string message, Exception innerException) : Exception(message, innerException);
