using System.Text.Json.Nodes;
using Macha.Core.Configuration;
using Macha.Core.Events;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Storage.Audit;

/// <summary>
/// Writes <c>decisions.jsonl</c> and <c>actions.jsonl</c> in the data directory, one writer per
/// file, with every string redacted by <see cref="SecretRedactor"/> before it is written.
/// </summary>
internal sealed partial class AuditLog : IAuditLog, IDisposable
{
    public const string DecisionsFileName = "decisions.jsonl";
    public const string ActionsFileName = "actions.jsonl";

    private const string ApiTokenActorPrefix = "token:";

    private readonly AuditFileWriter _decisions;
    private readonly AuditFileWriter _actions;
    private readonly SecretRedactor _redactor;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<AuditLog> _logger;
    private readonly MachaEvents? _events;

    // The data directory is read once: moving it while running would split a chain across two files.
    public AuditLog(IOptions<MachaOptions> options, SecretRedactor redactor, TimeProvider timeProvider, ILogger<AuditLog> logger, MachaEvents? events = null)
    {
        var directory = options.Value.ResolveDataDirectory();
        _decisions = new AuditFileWriter(AuditFile.Decisions, Path.Combine(directory, DecisionsFileName));
        _actions = new AuditFileWriter(AuditFile.Actions, Path.Combine(directory, ActionsFileName));
        _redactor = redactor;
        _timeProvider = timeProvider;
        _logger = logger;
        _events = events;
    }

    public string GetPath(AuditFile file) => WriterFor(file).Path;

    public async Task<AuditEntry> AppendAsync(AuditFile file, AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        ArgumentException.ThrowIfNullOrWhiteSpace(auditEvent.Type);
        ArgumentException.ThrowIfNullOrWhiteSpace(auditEvent.Actor);

        var redacted = auditEvent with
        {
            Actor = RedactActor(auditEvent.Actor),
            Host = auditEvent.Host is null ? null : _redactor.Redact(auditEvent.Host),
        };
        var data = auditEvent.Data is null ? new JsonObject() : RedactData(auditEvent.Data);
        var writer = WriterFor(file);
        AuditEntry entry;
        try
        {
            entry = await writer.AppendAsync(
                redacted,
                data,
                _timeProvider.GetUtcNow(),
                torn => LogTornLine(writer.Path, torn.Seq, torn.Bytes),
                cancellationToken);
        }
        catch (AuditWriteException ex)
        {
            LogWriteFailed(ex.InnerException ?? ex, writer.Path, auditEvent.Type);
            throw;
        }

        _events?.Publish(new AuditAppended(file, entry.Seq, entry.At));
        return entry;
    }

    public void Dispose()
    {
        _decisions.Dispose();
        _actions.Dispose();
    }

    // An API token's actor is "token:" and the token's name, never its secret. Redacting the whole
    // text would read it as a "token: value" pair and mask the name, so only the name is redacted,
    // which still masks a registered secret.
    private string RedactActor(string actor) =>
        actor.StartsWith(ApiTokenActorPrefix, StringComparison.Ordinal)
            ? ApiTokenActorPrefix + _redactor.Redact(actor[ApiTokenActorPrefix.Length..])
            : _redactor.Redact(actor);

    // A data field that names who did something ("paused_by") contains an actor, so it is redacted
    // as the actor is. The generic redaction would mask the token name in "token:NAME".
    private JsonObject RedactData(JsonObject data)
    {
        var copy = _redactor.RedactObject(data);
        foreach (var (name, value) in data)
        {
            if (name.EndsWith("_by", StringComparison.Ordinal) && value is JsonValue text && text.TryGetValue<string>(out var actor))
            {
                copy[name] = RedactActor(actor);
            }
        }

        return copy;
    }

    private AuditFileWriter WriterFor(AuditFile file) => file switch
    {
        AuditFile.Decisions => _decisions,
        AuditFile.Actions => _actions,
        _ => throw new ArgumentOutOfRangeException(nameof(file), file, "Unknown audit file."),
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit file {AuditPath} ended in a torn line {LineNumber} of {ByteCount} bytes, left by a crash during a write; it is kept, and new entries follow it")]
    private partial void LogTornLine(string auditPath, long lineNumber, long byteCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing a {AuditEventType} entry to audit file {AuditPath} failed")]
    private partial void LogWriteFailed(Exception exception, string auditPath, string auditEventType);
}
