using System.Text.Json.Nodes;
using Macha.Core.Approvals;
using Macha.Core.Configuration;
using Macha.Core.Storage.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Storage;

/// <summary>Creates or upgrades the database at start and closes out runs a previous process left open.</summary>
public sealed partial class DatabaseInitializer
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IDbContextFactory<MachaDbContext> _databases;
    private readonly IOptionsMonitor<MachaOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DatabaseInitializer> _logger;
    private readonly IAuditLog? _audit;

    /// <param name="audit">Where approvals closed out at start are recorded; null records them only in the database.</param>
    public DatabaseInitializer(
        IDbContextFactory<MachaDbContext> databases,
        IOptionsMonitor<MachaOptions> options,
        TimeProvider timeProvider,
        ILogger<DatabaseInitializer> logger,
        IAuditLog? audit = null)
    {
        _databases = databases;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _audit = audit;
    }

    /// <summary>Completes once the schema is up to date, for services that start on their own.</summary>
    public Task Ready => _ready.Task;

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        var dataDirectory = _options.CurrentValue.ResolveDataDirectory();
        Directory.CreateDirectory(dataDirectory);

        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);

        // WAL lets the dashboard read while a cycle writes; the setting is stored in the file.
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);

        var now = _timeProvider.GetUtcNow();
        var interrupted = await db.CycleRuns
            .Where(r => r.State == CycleState.Queued || r.State == CycleState.Running)
            .ExecuteUpdateAsync(
                setters => setters
                    .SetProperty(r => r.State, CycleState.Interrupted)
                    .SetProperty(r => r.FinishedAt, now)
                    .SetProperty(r => r.Error, "Macha stopped before the cycle finished."),
                cancellationToken);

        // Before Ready completes, so no executor in this process can start an approval first.
        var interruptedApprovals = await ApprovalRecovery.InterruptRunningAsync(db, now, cancellationToken);
        foreach (var approvalId in interruptedApprovals)
        {
            LogApprovalInterrupted(approvalId);
            await AuditClosedAsync(db, approvalId, AuditEventTypes.ActionInterrupted, ApprovalRecovery.InterruptedOutcome, cancellationToken);
        }

        foreach (var approvalId in await ApprovalRecovery.FailApprovedAsync(db, now, cancellationToken))
        {
            LogApprovalNeverStarted(approvalId);
            await AuditClosedAsync(db, approvalId, AuditEventTypes.ActionFailed, ApprovalRecovery.NeverStartedOutcome, cancellationToken);
        }

        LogDatabaseReady(dataDirectory, interrupted);
        _ready.TrySetResult();
    }

    // The stopped process left these approvals without an outcome line in actions.jsonl (an
    // interrupted one has only action.started), so one is written here.
    private async Task AuditClosedAsync(MachaDbContext db, Guid approvalId, string type, string reason, CancellationToken cancellationToken)
    {
        if (_audit is null)
        {
            return;
        }

        var approval = await db.Approvals.AsNoTracking().SingleAsync(a => a.Id == approvalId, cancellationToken);
        var data = new JsonObject
        {
            ["approval_id"] = approval.Id,
            ["kind"] = approval.ActionKind,
            ["argv"] = new JsonArray([.. approval.ReadArgv().Select(arg => (JsonNode)arg)]),
            ["state"] = approval.State.ToString(),
            ["reason"] = reason,
        };
        try
        {
            await _audit.AppendAsync(
                AuditFile.Actions,
                new AuditEvent(type, ApprovalActors.Macha, approval.HostName, approval.IncidentId, data),
                CancellationToken.None);
        }
        catch (AuditWriteException)
        {
            // The state is stored with its transition, and the audit log has logged the file and the cause.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database ready in {DataDirectory}; {InterruptedCount} unfinished cycle runs marked interrupted")]
    private partial void LogDatabaseReady(string dataDirectory, int interruptedCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Approval {ApprovalId} was running when Macha stopped; marked interrupted and not run again")]
    private partial void LogApprovalInterrupted(Guid approvalId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Approval {ApprovalId} was approved but not started when Macha stopped; marked failed and not run")]
    private partial void LogApprovalNeverStarted(Guid approvalId);
}
