namespace Macha.Core.Actions;

/// <summary>Who proposed an action request.</summary>
public enum ActionOrigin
{
    /// <summary>The model, through an incident's analysis.</summary>
    Analyst,

    /// <summary>One of Macha's rule-based playbooks.</summary>
    Playbook,
}

/// <summary>
/// The host, incident, origin and explanation that every action request carries, whatever its kind.
/// The texts are shown to a person and written to the audit log; none of them is ever run.
/// </summary>
/// <param name="HostName">The host from the inventory that the action runs on.</param>
/// <param name="IncidentId">The incident the action is meant to resolve or diagnose.</param>
/// <param name="Reason">Why the action helps, in the proposer's words.</param>
/// <param name="ExpectedEffect">What should be true after the action, such as "nginx.service is active".</param>
/// <param name="Undo">How to undo the action, or why it needs no undo.</param>
public sealed record ActionContext(
    string HostName,
    Guid IncidentId,
    ActionOrigin Origin,
    string Reason,
    string ExpectedEffect,
    string Undo);
