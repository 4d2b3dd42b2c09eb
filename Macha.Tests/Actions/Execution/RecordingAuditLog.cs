using Macha.Core.Storage.Audit;

namespace Macha.Tests.Actions.Execution;

/// <summary>An audit log that keeps appended events in memory and completes every append at once.</summary>
internal sealed class RecordingAuditLog : IAuditLog
{
    public List<(AuditFile File, AuditEvent Event)> Appended { get; } = [];

    public IEnumerable<string> Types => Appended.Select(entry => entry.Event.Type);

    public string GetPath(AuditFile file) => "/nonexistent/" + file;

    public Task<AuditEntry> AppendAsync(AuditFile file, AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        Appended.Add((file, auditEvent));
        return Task.FromResult(new AuditEntry(file, Appended.Count, DateTimeOffset.UnixEpoch, "hash"));
    }
}
