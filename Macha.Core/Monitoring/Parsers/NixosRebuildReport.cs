namespace Macha.Core.Monitoring.Parsers;

/// <summary>The step of <c>nixos-rebuild</c> that failed.</summary>
internal enum NixosRebuildStage
{
    /// <summary>The configuration could not be evaluated, so nothing was built: a configuration error.</summary>
    Evaluation,

    /// <summary>A download from a binary cache or a source fetch failed.</summary>
    Fetch,

    /// <summary>A derivation failed to build.</summary>
    Build,

    /// <summary>Switching to the built system failed after activation began.</summary>
    Activation,
}

/// <summary>A derivation whose own builder failed, as opposed to one that failed because a dependency did.</summary>
/// <param name="Path">Store path of the .drv file.</param>
/// <param name="Name">The path without "/nix/store/", its hash and ".drv", such as "linux-src-patched".</param>
/// <param name="ExitCode">Exit code of the builder; null when the output does not say.</param>
/// <param name="LogTail">Last lines of the build log in the output, at most 20, without Nix's "> " prefix.</param>
internal sealed record FailedDerivation(
    string Path,
    string Name,
    int? ExitCode,
    IReadOnlyList<string> LogTail);

/// <summary>What one run of <c>nixos-rebuild</c> printed, sorted into causes and consequences.</summary>
/// <remarks>
/// The output alone does not say whether the run succeeded: the exit code does. An empty
/// <see cref="Errors"/> with a non-zero exit code means the failure was not recognised.
/// </remarks>
/// <param name="FailedStage">The step that failed; null when the output shows no error.</param>
/// <param name="ErrorSummary">The one message that explains the failure, such as the innermost "error:" of an evaluation trace.</param>
/// <param name="Errors">Messages of errors that caused the failure, in order; consequences such as dependent derivations are left out.</param>
/// <param name="Warnings">Every "warning:" line, such as a dirty Git tree; none of them is an error.</param>
/// <param name="Activated">True when activation of the new system began, so the new generation is in place.</param>
/// <param name="NewSystemPath">Store path of the system being switched to, when the output names it.</param>
/// <param name="FailedUnits">Units that failed after the switch; the switch itself still happened.</param>
/// <param name="FailedUnitsStatus">The <c>systemctl status</c> text printed for <see cref="FailedUnits"/>.</param>
/// <param name="FailedDerivations">Derivations whose own builder failed: the leaves of a chain of failures.</param>
/// <param name="DependentDerivations">Derivations that failed only because a dependency did, ending with the system itself.</param>
/// <param name="MissingConfigurationName">The name in <c>nixosConfigurations."name"</c> when the flake does not define it.</param>
/// <param name="FlakeSearchedUpFrom">The path given on the command line when Nix had to search parent directories for flake.nix.</param>
/// <param name="StoreCorruptionSuspected">True when a builder could not source a store file as a script, which points to corrupt store contents.</param>
internal sealed record NixosRebuildReport(
    NixosRebuildStage? FailedStage,
    string? ErrorSummary,
    IReadOnlyList<string> Errors,
    IReadOnlyList<string> Warnings,
    bool Activated,
    string? NewSystemPath,
    IReadOnlyList<string> FailedUnits,
    string? FailedUnitsStatus,
    IReadOnlyList<FailedDerivation> FailedDerivations,
    IReadOnlyList<string> DependentDerivations,
    string? MissingConfigurationName,
    string? FlakeSearchedUpFrom,
    bool StoreCorruptionSuspected)
{
    /// <summary>True when the new system is active and only some units failed afterwards: not a failed deployment.</summary>
    public bool SwitchedWithFailedUnits => Activated && FailedUnits.Count > 0 && Errors.Count == 0;
}
