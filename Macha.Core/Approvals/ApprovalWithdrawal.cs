using System.Text.Json.Nodes;
using Macha.Core.Incidents;
using Macha.Core.Storage.Audit;
using Microsoft.Extensions.Logging;

namespace Macha.Core.Approvals;

/// <summary>
/// Withdraws the Pending approvals of incidents that resolved by themselves, because the action they
/// propose is no longer needed. Each withdrawal is recorded on the approval, with the reason, and as
/// an <c>approval.withdrawn</c> line in <c>actions.jsonl</c>.
/// </summary>
internal sealed partial class ApprovalWithdrawal
{
    private readonly ApprovalQueue _queue;
    private readonly IAuditLog _audit;
    private readonly ILogger<ApprovalWithdrawal> _logger;

    public ApprovalWithdrawal(ApprovalQueue queue, IAuditLog audit, ILogger<ApprovalWithdrawal> logger)
    {
        _queue = queue;
        _audit = audit;
        _logger = logger;
    }

    /// <summary>
    /// Withdraws the Pending approvals of every incident in <paramref name="changes"/> that resolved.
    /// An approval approved in the meantime stays approved. Failures are logged and never thrown,
    /// because a health cycle calls this and must go on.
    /// </summary>
    /// <returns>The ids of the approvals this call withdrew.</returns>
    public async Task<IReadOnlyList<Guid>> WithdrawForResolvedAsync(IReadOnlyList<IncidentChange> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);

        var withdrawn = new List<Guid>();
        foreach (var change in changes.Where(c => c.Kind == IncidentChangeKind.Resolved))
        {
            try
            {
                foreach (var id in await _queue.ListPendingIdsForIncidentAsync(change.IncidentId, cancellationToken))
                {
                    var reason = $"The incident resolved by itself ({change.Reason}), so the action is no longer needed.";
                    var result = await _queue.WithdrawAsync(id, reason, cancellationToken);
                    if (result.Changed)
                    {
                        withdrawn.Add(id);
                        await AuditAsync(result.Approval!, change, reason);
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogWithdrawalFailed(ex, change.IncidentId, change.HostName);
            }
        }

        return withdrawn;
    }

    private async Task AuditAsync(ApprovalRecord approval, IncidentChange change, string reason)
    {
        var data = new JsonObject
        {
            ["approval_id"] = approval.Id,
            ["kind"] = approval.ActionKind,
            ["reason"] = reason,
            ["fingerprint"] = change.Fingerprint,
        };
        try
        {
            await _audit.AppendAsync(
                AuditFile.Actions,
                new AuditEvent(AuditEventTypes.ApprovalWithdrawn, ApprovalActors.Macha, approval.HostName, approval.IncidentId, data),
                CancellationToken.None);
        }
        catch (AuditWriteException)
        {
            // The withdrawal is stored on the approval; the audit log has logged the file and the cause.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not withdraw the pending approvals of resolved incident {IncidentId} on host {HostName}")]
    private partial void LogWithdrawalFailed(Exception exception, Guid incidentId, string hostName);
}
