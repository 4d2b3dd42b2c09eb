namespace Macha.Core.Monitoring;

/// <summary>A unit that systemd is still starting or stopping when the snapshot is taken.</summary>
/// <param name="Active">The active state from <c>systemctl show</c>: "activating" or "deactivating".</param>
/// <param name="Sub">The sub state, such as "start-pre", "auto-restart" or "stop-sigterm".</param>
/// <param name="StateChangedAfterBoot">
/// When the unit entered its current state, as time since boot (StateChangeTimestampMonotonic);
/// null when systemd reported no time.
/// </param>
/// <param name="InStateFor">
/// How long the unit had been in its state when the snapshot was taken. It is computed from the
/// time since boot in /proc/uptime, and is null when either time is unknown.
/// </param>
public sealed record TransitioningUnit(
    string Name,
    string Active,
    string Sub,
    TimeSpan? StateChangedAfterBoot,
    TimeSpan? InStateFor);

/// <summary>How often systemd restarted one service automatically since boot (its NRestarts property).</summary>
/// <param name="Result">The service's last result, such as "success", "exit-code" or "signal".</param>
/// <param name="ExecMainStatus">Exit code, or signal number, of the service's last main process; null when none ran.</param>
public sealed record ServiceRestarts(
    string Name,
    long Restarts,
    string? Result,
    int? ExecMainStatus);

/// <summary>Properties of a failed unit from <c>systemctl show</c>, for a person reading the finding and for the model.</summary>
/// <param name="Result">Why the unit failed, such as "exit-code", "timeout" or "resources".</param>
/// <param name="ExecMainCode">How the main process ended: "exited", "killed" or "dumped"; null when none ran.</param>
/// <param name="ExecMainStatus">Exit code when exited, otherwise the signal number.</param>
/// <param name="Restarts">Automatic restarts since boot (NRestarts); null for units other than services.</param>
/// <param name="FragmentPath">The unit file; null for generated units without one and for units whose file is gone.</param>
/// <param name="LoadError">Why the unit could not be loaded, such as a missing unit file; null when it loaded.</param>
/// <param name="ActiveEnterTimestamp">When the unit last became active, as systemd printed it in the host's time zone.</param>
/// <param name="InactiveEnterTimestamp">When the unit last stopped or failed, as systemd printed it in the host's time zone.</param>
/// <param name="InactiveEnteredAfterBoot">
/// When the unit last stopped or failed, as time since boot (InactiveEnterTimestampMonotonic, or
/// StateChangeTimestampMonotonic when that is missing); null when systemd reported no time.
/// </param>
public sealed record UnitFailureDetails(
    string? Result,
    string? ExecMainCode,
    int? ExecMainStatus,
    long? Restarts,
    string? FragmentPath,
    string? LoadError,
    string? ActiveEnterTimestamp,
    string? InactiveEnterTimestamp,
    TimeSpan? InactiveEnteredAfterBoot);
