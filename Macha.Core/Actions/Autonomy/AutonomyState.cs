namespace Macha.Core.Actions.Autonomy;

/// <summary>The autonomy level in force, and who paused autonomy, when and why.</summary>
/// <param name="ConfiguredLevel">The level set by <c>Macha:Actions:AutonomyLevel</c>.</param>
/// <param name="EffectiveLevel">The level in force: Observe while paused, otherwise the configured level.</param>
/// <param name="PausedAt">When autonomy was paused; null while it runs.</param>
/// <param name="PausedBy">Who paused it: a user name, an API actor or "macha"; null while it runs.</param>
/// <param name="Reason">Why it was paused, as given by whoever paused it; null when no reason was given.</param>
public sealed record AutonomyState(
    AutonomyLevel ConfiguredLevel,
    AutonomyLevel EffectiveLevel,
    bool Paused,
    DateTimeOffset? PausedAt,
    string? PausedBy,
    string? Reason);

/// <summary>A pause or a resume, published in-process after it was stored.</summary>
/// <param name="State">The state after the change.</param>
/// <param name="Actor">Who paused or resumed.</param>
/// <param name="At">When the change was stored.</param>
public sealed record AutonomyChanged(AutonomyState State, string Actor, DateTimeOffset At)
{
    public bool Paused => State.Paused;
}

/// <summary>
/// The stored pause switch: one row, Id 1, in the <c>AutonomySettings</c> table. The migration that
/// creates the table inserts the row, not paused.
/// </summary>
public sealed class AutonomySettingRecord
{
    public const int SingletonId = 1;

    public int Id { get; set; } = SingletonId;

    public bool Paused { get; set; }

    public DateTimeOffset? PausedAt { get; set; }

    public string? PausedBy { get; set; }

    public string? Reason { get; set; }

    /// <summary>When autonomy was last resumed; null when it never was.</summary>
    public DateTimeOffset? ResumedAt { get; set; }

    public string? ResumedBy { get; set; }
}
