namespace Macha.Core.Actions;

/// <summary>What Macha may do by itself, and its limits, bound from the <c>Macha:Actions</c> section.</summary>
public sealed class ActionOptions
{
    public const string SectionName = "Macha:Actions";

    /// <summary>
    /// How much runs without approval: Observe, Suggest (the default), AutoSafe or AutoFull. Pausing
    /// autonomy acts as Observe whatever this is set to.
    /// </summary>
    public AutonomyLevel AutonomyLevel { get; set; } = AutonomyLevel.Suggest;

    /// <summary>
    /// Units Macha never changes, in addition to the built-in list in <see cref="ProtectedTargets"/>. A name
    /// without a type suffix means its .service unit ("backup" is backup.service). A name with '*', the
    /// only wildcard, is matched against the whole unit name with its suffix, so "backup-*" covers
    /// backup-db.service and backup-db.timer.
    /// </summary>
    public List<string> ProtectedUnits { get; set; } = [];

    /// <summary>
    /// Maximum automatic restarts of one unit within <see cref="RestartWindow"/>. The next restart waits for
    /// approval instead, and 0 sends every restart to approval.
    /// </summary>
    public int RestartLimitPerUnit { get; set; } = 3;

    public TimeSpan RestartWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Maximum automatic actions of any kind, on all hosts together, within one hour. Read-only
    /// diagnostics do not count, and further actions wait for approval.
    /// </summary>
    public int MaxAutomaticActionsPerHour { get; set; } = 10;

    /// <summary>
    /// How long the executor waits after a restart before it checks that the unit is active. A unit that
    /// starts and then crashes within this time fails the check instead of passing it.
    /// </summary>
    public TimeSpan RestartSettleTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Time limit of each read-only command that previews an action queued for approval, such as
    /// <c>nixos-rebuild dry-build</c>. A preview that runs out of time is killed, and the approval shows
    /// why instead of the preview. The planner waits for previews, so this also delays the health cycle.
    /// </summary>
    public TimeSpan DryRunTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Risk per action kind, keyed by the kind's schema name such as "restart_unit", for kinds that should
    /// be treated as riskier here than by default. An override can only raise a kind's risk: a value below
    /// the built-in risk fails validation at start, and <see cref="ActionRiskPolicy"/> ignores it anyway.
    /// NeverExecuted turns a kind off, so its requests are only recorded.
    /// </summary>
    public Dictionary<string, ActionRisk> RiskOverrides { get; set; } = [];
}
