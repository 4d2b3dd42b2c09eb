using Macha.Core.Actions.Execution;
using Microsoft.Extensions.Logging;

namespace Macha.Core.Actions;

/// <summary>
/// Hears about every action that ran to an outcome, whether started by Macha or approved by a
/// person. The knowledge base uses it to learn which fixes worked.
/// </summary>
public interface IActionOutcomeListener
{
    /// <summary>
    /// Receives one outcome. Called on the action's own path, after the outcome is audited, so an
    /// implementation must return quickly and hand slow work to a queue of its own.
    /// </summary>
    Task OnActionCompletedAsync(ActionOutcomeNotice notice, CancellationToken cancellationToken = default);
}

/// <summary>An action that ran, how it ended, and the diagnosis it was meant to fix, when the model gave one.</summary>
public sealed record ActionOutcomeNotice(ExecutableActionRequest Request, ExecutionOutcome Outcome, string? Diagnosis);

/// <summary>Passes an outcome to every registered listener; a failing listener is logged and never fails the action.</summary>
public sealed partial class ActionOutcomeListeners(IEnumerable<IActionOutcomeListener> listeners, ILogger<ActionOutcomeListeners> logger)
{
    private readonly IReadOnlyList<IActionOutcomeListener> _listeners = [.. listeners];

    public async Task NotifyAsync(ExecutableActionRequest request, ExecutionOutcome outcome, string? diagnosis)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(outcome);

        var notice = new ActionOutcomeNotice(request, outcome, diagnosis);
        foreach (var listener in _listeners)
        {
            try
            {
                // Not cancellable: the action has already run, and its outcome must still be heard.
                await listener.OnActionCompletedAsync(notice, CancellationToken.None);
            }
            catch (Exception ex)
            {
                LogListenerFailed(ex, listener.GetType().Name, request.Kind, request.HostName);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Action outcome listener {ListenerName} failed for {ActionKind} on host {HostName}")]
    private partial void LogListenerFailed(Exception exception, string listenerName, string actionKind, string hostName);
}
