using Macha.Core.Analysis.Decisions;
using Macha.Core.Hosts;
using static Macha.Core.Actions.ActionArguments;

namespace Macha.Core.Actions;

/// <summary>
/// Runs one read-only diagnostic from a fixed list, without sudo. The name selects a fixed command;
/// the only value taken from the proposal is the unit, which is checked like any other unit name.
/// </summary>
public sealed record RunDiagnostic : ExecutableActionRequest
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Output cap per command. A person or the model reads the output, so 256 KiB is enough.</summary>
    public const int MaxOutputBytes = 256 * 1024;

    // Diagnostics that need a unit. Every other diagnostic must come without one.
    private static readonly string[] UnitDiagnostics = ["unit_status", "unit_logs"];

    /// <exception cref="ArgumentException">A value is missing or invalid, or the diagnostic needs a unit and has none, or the reverse.</exception>
    public RunDiagnostic(ActionContext context, string diagnostic, string? unit = null)
        : base(context)
    {
        ThrowIfInvalid(Check(diagnostic, unit), nameof(diagnostic));
        Diagnostic = diagnostic;
        Unit = unit;
    }

    /// <summary>One of <see cref="ActionKinds.Diagnostics"/>.</summary>
    public string Diagnostic { get; }

    /// <summary>The unit that unit_status or unit_logs reads about, or null for the other diagnostics.</summary>
    public string? Unit { get; }

    public override string Kind => ActionKinds.RunDiagnostic;

    public override IReadOnlyList<KeyValuePair<string, string>> Arguments =>
        Unit is null ? [new("diagnostic", Diagnostic)] : [new("diagnostic", Diagnostic), new("unit", Unit)];

    public override IReadOnlyList<CommandRequest> BuildCommands() => Diagnostic switch
    {
        "unit_status" => [Command("systemctl", "status", "--no-pager", "--full", "--lines=50", "--", Unit!)],
        "unit_logs" => [Command("journalctl", "--no-pager", "--output=short-iso", "--lines=200", "--unit=" + Unit)],
        "disk_usage" => [Command("df", "-P", "-h")],
        "top_processes" => [Command("ps", "-eo", "pid,ppid,user,pcpu,pmem,rss,etime,comm", "--sort=-pcpu")],
        // Local state only: probing a remote address would need a target the proposal cannot choose.
        "connectivity" => [Command("ip", "-brief", "address", "show"), Command("ip", "route", "show")],
        "nixos_generations" => [Command("nix-env", "--list-generations", "--profile", "/nix/var/nix/profiles/system")],
        "failed_units" => [Command("systemctl", "list-units", "--failed", "--no-pager", "--plain", "--no-legend")],
        _ => throw new InvalidOperationException($"Diagnostic '{Diagnostic}' has no command; the constructor should have rejected it."),
    };

    /// <summary>Checks a diagnostic name and its unit, returning null when both are valid.</summary>
    internal static string? Check(string? diagnostic, string? unit)
    {
        if (diagnostic is null || !ActionKinds.Diagnostics.Contains(diagnostic, StringComparer.Ordinal))
        {
            return $"diagnostic must be one of: {string.Join(", ", ActionKinds.Diagnostics)}; got {Quote(diagnostic)}.";
        }

        var needsUnit = UnitDiagnostics.Contains(diagnostic, StringComparer.Ordinal);
        if (needsUnit && unit is null)
        {
            return $"diagnostic {diagnostic} needs a unit.";
        }

        if (!needsUnit && unit is not null)
        {
            return $"diagnostic {diagnostic} takes no unit; got {Quote(unit)}.";
        }

        return unit is null ? null : CheckUnit(unit, restartable: false);
    }

    private static CommandRequest Command(string program, params string[] arguments) =>
        new(program, arguments, Timeout, MaxOutputBytes);
}
