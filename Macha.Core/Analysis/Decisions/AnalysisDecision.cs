using System.Text.Json.Serialization;

namespace Macha.Core.Analysis.Decisions;

/// <summary>
/// The model's answer about one incident, in the shape the structured-output schema requires.
/// Macha validates it before anything reads it; the model never sets risk.
/// </summary>
public sealed record AnalysisDecision
{
    /// <summary>One sentence a person reads on a phone.</summary>
    [JsonPropertyName("summary")]
    public required string Summary { get; init; }

    /// <summary>What is wrong and what the evidence shows, in a few sentences.</summary>
    [JsonPropertyName("diagnosis")]
    public required string Diagnosis { get; init; }

    /// <summary>The model's confidence in the diagnosis, from 0 to 1.</summary>
    [JsonPropertyName("confidence")]
    public required double Confidence { get; init; }

    [JsonPropertyName("root_cause_hypothesis")]
    public required string RootCauseHypothesis { get; init; }

    [JsonPropertyName("proposed_actions")]
    public required IReadOnlyList<ProposedAction> ProposedActions { get; init; }
}

/// <summary>
/// One remediation the model proposes. Each kind has its own arguments; fields that do not belong
/// to the kind must be absent. Validation checks them before the action policy sees the proposal.
/// </summary>
public sealed record ProposedAction
{
    /// <summary>One of <see cref="ActionKinds.All"/>.</summary>
    [JsonPropertyName("kind")]
    public required string Kind { get; init; }

    /// <summary>The systemd unit, for restart_unit and reset_failed_unit.</summary>
    [JsonPropertyName("unit")]
    public string? Unit { get; init; }

    /// <summary>Journal size to keep, such as "500M", for vacuum_journal.</summary>
    [JsonPropertyName("journal_max_size")]
    public string? JournalMaxSize { get; init; }

    /// <summary>Age of Nix generations to delete, in days, for collect_nix_garbage.</summary>
    [JsonPropertyName("older_than_days")]
    public int? OlderThanDays { get; init; }

    /// <summary>Flake reference, such as "/etc/nixos#web-1", for rebuild_nixos.</summary>
    [JsonPropertyName("flake_ref")]
    public string? FlakeRef { get; init; }

    /// <summary>Name of a read-only diagnostic from <see cref="ActionKinds.Diagnostics"/>, for run_diagnostic.</summary>
    [JsonPropertyName("diagnostic")]
    public string? Diagnostic { get; init; }

    /// <summary>The change a person should make, for describe_config_change; never executed.</summary>
    [JsonPropertyName("change_description")]
    public string? ChangeDescription { get; init; }

    [JsonPropertyName("reason")]
    public required string Reason { get; init; }

    [JsonPropertyName("expected_effect")]
    public required string ExpectedEffect { get; init; }

    /// <summary>How to undo the action, or why it needs no undo.</summary>
    [JsonPropertyName("undo")]
    public required string Undo { get; init; }
}

/// <summary>The action kinds the model may propose, as the schema names them.</summary>
public static class ActionKinds
{
    public const string RestartUnit = "restart_unit";
    public const string ResetFailedUnit = "reset_failed_unit";
    public const string VacuumJournal = "vacuum_journal";
    public const string CollectNixGarbage = "collect_nix_garbage";
    public const string RebuildNixos = "rebuild_nixos";
    public const string RollbackNixos = "rollback_nixos";
    public const string RunDiagnostic = "run_diagnostic";
    public const string DescribeConfigChange = "describe_config_change";

    public static IReadOnlyList<string> All { get; } =
    [
        RestartUnit, ResetFailedUnit, VacuumJournal, CollectNixGarbage, RebuildNixos, RollbackNixos, RunDiagnostic, DescribeConfigChange,
    ];

    /// <summary>Read-only diagnostics run_diagnostic may name; each maps to a fixed command, never to model text.</summary>
    public static IReadOnlyList<string> Diagnostics { get; } =
    [
        "unit_status", "unit_logs", "disk_usage", "top_processes", "connectivity", "nixos_generations", "failed_units",
    ];
}
