namespace Macha.Core.Actions;

/// <summary>
/// How much harm an action can do, assigned by <see cref="ActionRiskPolicy"/> from the action's kind and
/// never by the model. The values are ordered, so a higher value is always at least as risky.
/// </summary>
public enum ActionRisk
{
    /// <summary>Reads state and changes nothing, such as a unit's status or the disk usage.</summary>
    ReadOnly = 0,

    /// <summary>Changes one non-protected thing in a way that is easy to repeat or undo, such as a unit restart.</summary>
    Low = 1,

    /// <summary>Changes the whole host in a way that can be undone, such as a NixOS rollback.</summary>
    Medium = 2,

    /// <summary>Changes the whole host to a configuration it has not run before, such as a NixOS switch.</summary>
    High = 3,

    /// <summary>Never run by Macha: the request is recorded and shown to a person, who acts on it.</summary>
    NeverExecuted = 4,
}
