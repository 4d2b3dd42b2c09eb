using Macha.Core.Analysis.Decisions;
using Macha.Core.Hosts;
using static Macha.Core.Actions.ActionArguments;

namespace Macha.Core.Actions;

/// <summary>Restarts one service, socket, timer or path unit: <c>sudo -n systemctl restart -- UNIT</c>.</summary>
public sealed record RestartUnit : ExecutableActionRequest
{
    /// <summary>
    /// Longer than systemd's default stop and start timeouts together (DefaultTimeoutStopSec and
    /// DefaultTimeoutStartSec, 90 s each), so systemd, not Macha, decides that a slow restart failed.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    /// <exception cref="ArgumentException">A value is missing or invalid.</exception>
    public RestartUnit(ActionContext context, string unit)
        : base(context)
    {
        ThrowIfInvalid(CheckUnit(unit, restartable: true), nameof(unit));
        Unit = unit;
    }

    public string Unit { get; }

    public override string Kind => ActionKinds.RestartUnit;

    public override string? ChangedUnit => Unit;

    public override IReadOnlyList<KeyValuePair<string, string>> Arguments => [new("unit", Unit)];

    public override IReadOnlyList<CommandRequest> BuildCommands() =>
        [Sudo(Timeout, "systemctl", "restart", "--", Unit)];
}

/// <summary>Clears a unit's failed state and its start-rate counter: <c>sudo -n systemctl reset-failed -- UNIT</c>.</summary>
public sealed record ResetFailedUnit : ExecutableActionRequest
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <exception cref="ArgumentException">A value is missing or invalid.</exception>
    public ResetFailedUnit(ActionContext context, string unit)
        : base(context)
    {
        ThrowIfInvalid(CheckUnit(unit, restartable: false), nameof(unit));
        Unit = unit;
    }

    public string Unit { get; }

    public override string Kind => ActionKinds.ResetFailedUnit;

    public override string? ChangedUnit => Unit;

    public override IReadOnlyList<KeyValuePair<string, string>> Arguments => [new("unit", Unit)];

    public override IReadOnlyList<CommandRequest> BuildCommands() =>
        [Sudo(Timeout, "systemctl", "reset-failed", "--", Unit)];
}
