using Macha.Core.Hosts;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Actions.Execution;

/// <summary>
/// Runs NixOS rebuilds and rollbacks. A rebuild goes dry-build, then test (activate without making
/// it the boot default), then the checks of <see cref="NixosHealthChecks"/>, then switch and the
/// checks again. When a step that may have activated something fails, or a check fails, the host is
/// rolled back to the generation it ran before, and the outcome says so.
/// </summary>
/// <remarks>
/// Every command is fixed argv. Privileged ones go through <c>sudo -n</c>, so a missing sudo rule fails
/// at once. The rollback target depends on how far the rebuild got. <c>nixos-rebuild test</c> does not
/// touch the system profile, so the previous generation is still the profile's current one and is
/// activated again with its own <c>switch-to-configuration test</c>. Once <c>switch</c> has moved the
/// profile, <c>nixos-rebuild switch --rollback</c> moves it back and activates that generation.
/// On the host Macha itself runs on, a rebuild or rollback runs only when Macha's own unit is marked
/// <c>X-RestartIfChanged=false</c>, so activation cannot restart Macha in the middle of the pipeline
/// (see <see cref="MachaUnit"/>). A stop of Macha for another reason still leaves the approval
/// interrupted, and it is never re-run.
/// </remarks>
/// <param name="machaUnitOf">
/// Returns Macha's own service unit when a shell runs on Macha's machine, or null; by default
/// <see cref="MachaUnit.Of"/>.
/// </param>
internal sealed class NixosPipeline(NixosHealthChecks checks, Func<IHostShell, string?>? machaUnitOf = null)
{
    public const string SystemProfile = "/nix/var/nix/profiles/system";

    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private static readonly CommandRequest ReadProfile = new("readlink", ["--", SystemProfile], ReadTimeout, 4096);

    private static readonly CommandRequest ReactivateProfile =
        new("sudo", ["-n", SystemProfile + "/bin/switch-to-configuration", "test"], RollbackNixos.Timeout, CommandRequest.DefaultMaxOutputBytes);

    private static readonly CommandRequest SwitchBack =
        new("sudo", ["-n", "nixos-rebuild", "switch", "--rollback"], RollbackNixos.Timeout, CommandRequest.DefaultMaxOutputBytes);

    public async Task<PipelineResult> RebuildAsync(RebuildNixos request, IHostShell shell, CancellationToken cancellationToken)
    {
        var run = new Run(shell, cancellationToken);
        var machaUnit = await CheckMachaUnitAsync(run).ConfigureAwait(false);
        if (machaUnit.Refusal is { } refusal)
        {
            return run.Fail(refusal, escalates: true);
        }

        var profile = await run.StepAsync(ReadProfile).ConfigureAwait(false);
        if (profile.Failure is not null)
        {
            return run.Fail($"Could not read the system profile before the rebuild, so nothing ran: {profile.Failure}");
        }

        var profileBefore = profile.Result.StandardOutput.Trim();
        var (protectedBefore, listError, listCommand) = await checks.ListActiveProtectedAsync(shell, cancellationToken).ConfigureAwait(false);
        run.Executed.Add(listCommand);
        if (protectedBefore is null)
        {
            return run.Fail($"Nothing ran, because the checks after activation need it: {listError}");
        }

        run.Baseline = await checks.ProbeBeforeAsync(shell, cancellationToken).ConfigureAwait(false);

        var dryBuild = await run.StepAsync(request.BuildCommand(NixosRebuildStage.DryBuild)).ConfigureAwait(false);
        if (dryBuild.Failure is not null)
        {
            return run.Fail($"nixos-rebuild dry-build failed, so nothing was activated and nothing needs rolling back: {dryBuild.Failure}");
        }

        var test = await run.StepAsync(request.BuildCommand(NixosRebuildStage.Test)).ConfigureAwait(false);
        if (test.Failure is not null && test.Report.FailedStage == Monitoring.Parsers.NixosRebuildStage.Activation && !test.Report.SwitchedWithFailedUnits)
        {
            // An activation error can be transient, such as a unit that is "not active, cannot reload"
            // while another stops it. One retry is reasonable; the same failure twice is not transient.
            test = await run.StepAsync(request.BuildCommand(NixosRebuildStage.Test)).ConfigureAwait(false);
        }

        var failedUnits = new List<string>();
        if (test.Failure is not null)
        {
            if (!test.Started || test.Report is { Activated: false, FailedStage: Monitoring.Parsers.NixosRebuildStage.Evaluation or Monitoring.Parsers.NixosRebuildStage.Fetch or Monitoring.Parsers.NixosRebuildStage.Build })
            {
                return run.Fail($"nixos-rebuild test failed before activation, so nothing needs rolling back: {test.Failure}", escalates: true);
            }

            if (!test.Report.SwitchedWithFailedUnits)
            {
                return await run.RollBackAsync(ReactivateProfile, protectedBefore, checks, $"nixos-rebuild test failed: {test.Failure}").ConfigureAwait(false);
            }
        }

        failedUnits.AddRange(test.Report.FailedUnits);
        var afterTest = await checks.CheckAsync(protectedBefore, request.IncidentId, shell, run.Executed, cancellationToken, run.Baseline, failedUnits).ConfigureAwait(false);
        if (!afterTest.Passed)
        {
            return await run.RollBackAsync(ReactivateProfile, protectedBefore, checks, $"The checks after nixos-rebuild test failed: {afterTest.Detail}", verification: afterTest.Detail).ConfigureAwait(false);
        }

        var switched = await run.StepAsync(request.BuildCommand(NixosRebuildStage.Switch)).ConfigureAwait(false);
        if (switched.Failure is not null && !switched.Report.SwitchedWithFailedUnits)
        {
            var undo = await ProfileMovedAsync(run, profileBefore).ConfigureAwait(false) ? SwitchBack : ReactivateProfile;
            return await run.RollBackAsync(undo, protectedBefore, checks, $"nixos-rebuild switch failed: {switched.Failure}").ConfigureAwait(false);
        }

        failedUnits.AddRange(switched.Report.FailedUnits);
        var afterSwitch = await checks.CheckAsync(protectedBefore, request.IncidentId, shell, run.Executed, cancellationToken, run.Baseline, failedUnits).ConfigureAwait(false);
        if (!afterSwitch.Passed)
        {
            return await run.RollBackAsync(SwitchBack, protectedBefore, checks, $"The checks after nixos-rebuild switch failed: {afterSwitch.Detail}", verification: afterSwitch.Detail).ConfigureAwait(false);
        }

        // A unit that fails during activation while every check passes does not undo the switch: the new
        // generation is in place, and switching again would fail the same way.
        var units = failedUnits.Distinct(StringComparer.Ordinal).ToList();
        var summary = units.Count == 0
            ? $"Switched to {request.FlakeRef}. {afterSwitch.Detail}"
            : $"Switched to {request.FlakeRef}, but {units.Count} unit(s) failed during activation: {string.Join(", ", units)}. {afterSwitch.Detail}";
        summary += await DescribeMachaUnitChangeAsync(run, machaUnit).ConfigureAwait(false);
        return run.Succeed(summary, afterSwitch.Detail, switched.Excerpt);
    }

    public async Task<PipelineResult> RollBackAsync(RollbackNixos request, IHostShell shell, CancellationToken cancellationToken)
    {
        var run = new Run(shell, cancellationToken);
        var machaUnit = await CheckMachaUnitAsync(run).ConfigureAwait(false);
        if (machaUnit.Refusal is { } refusal)
        {
            return run.Fail(refusal, escalates: true);
        }
        var (protectedBefore, listError, listCommand) = await checks.ListActiveProtectedAsync(shell, cancellationToken).ConfigureAwait(false);
        run.Executed.Add(listCommand);
        if (protectedBefore is null)
        {
            return run.Fail($"Nothing ran, because the checks after the rollback need it: {listError}");
        }

        run.Baseline = await checks.ProbeBeforeAsync(shell, cancellationToken).ConfigureAwait(false);

        var rollback = await run.StepAsync(request.BuildCommands()[0]).ConfigureAwait(false);
        if (rollback.Failure is not null && !rollback.Report.SwitchedWithFailedUnits)
        {
            return run.Fail($"nixos-rebuild switch --rollback failed, and the host may be partly switched; a person must look at it: {rollback.Failure}", escalates: true);
        }

        var verification = await checks.CheckAsync(
            protectedBefore, request.IncidentId, shell, run.Executed, cancellationToken, run.Baseline, rollback.Report.FailedUnits).ConfigureAwait(false);
        return verification.Passed
            ? run.Succeed(
                $"Rolled back to the previous generation. {verification.Detail}{await DescribeMachaUnitChangeAsync(run, machaUnit).ConfigureAwait(false)}",
                verification.Detail,
                rollback.Excerpt)
            : run.VerificationFailed(
                $"Rolled back to the previous generation, but the checks afterwards failed: {verification.Detail}; a rollback has no automatic undo, so a person must look at the host.",
                verification.Detail);
    }

    // On Macha's own machine, reads Macha's unit file and refuses the activation unless NixOS will
    // leave the unit running. Refusing is the safe choice: a restart kills the activation, which runs
    // in Macha's control group, and ends the pipeline before its checks and rollback decision.
    private async Task<MachaUnitCheck> CheckMachaUnitAsync(Run run)
    {
        var unit = (machaUnitOf ?? MachaUnit.Of)(run.Shell);
        if (unit is null)
        {
            return new MachaUnitCheck(null, null, null);
        }

        var (text, error, command) = await MachaUnit.ReadUnitFileAsync(run.Shell, unit, run.CancellationToken).ConfigureAwait(false);
        run.Executed.Add(command);
        if (text is null)
        {
            return new MachaUnitCheck(unit, null, $"Nothing ran: this host runs Macha itself as {unit}, and whether activation would restart it is unknown, because Macha {error}.");
        }

        return MachaUnit.IsKeptAcrossActivation(text)
            ? new MachaUnitCheck(unit, text, null)
            : new MachaUnitCheck(
                unit,
                text,
                $"Nothing ran: this host runs Macha itself as {unit}, and activation would restart that unit in the middle of the rebuild, which kills the activation and ends the pipeline before its checks and rollback. "
                + "Set restartIfChanged = false on the unit (the services.macha-autonomous NixOS module does), or run the rebuild by hand.");
    }

    // The running Macha keeps its old program when activation changed its unit, so the outcome asks
    // for a restart to run the new one.
    private static async Task<string> DescribeMachaUnitChangeAsync(Run run, MachaUnitCheck check)
    {
        if (check.Unit is null || check.UnitFile is null)
        {
            return string.Empty;
        }

        var (text, _, command) = await MachaUnit.ReadUnitFileAsync(run.Shell, check.Unit, run.CancellationToken).ConfigureAwait(false);
        run.Executed.Add(command);
        return text is null || string.Equals(text, check.UnitFile, StringComparison.Ordinal)
            ? string.Empty
            : $" Macha's own unit {check.Unit} changed and was left running, so Macha still runs its previous version; restart {check.Unit} to run the new one.";
    }

    private static async Task<bool> ProfileMovedAsync(Run run, string profileBefore)
    {
        var now = await run.StepAsync(ReadProfile).ConfigureAwait(false);

        // When the profile cannot be read, assume it moved. If it did not, switch --rollback lands one
        // generation further back, which still leaves the new configuration; reactivating the profile
        // after a switch that did move it would keep the new configuration running.
        return now.Failure is not null || !string.Equals(now.Result.StandardOutput.Trim(), profileBefore, StringComparison.Ordinal);
    }

    /// <summary>The commands run so far and helpers that turn them into an outcome.</summary>
    private sealed class Run(IHostShell shell, CancellationToken cancellationToken)
    {
        public IHostShell Shell => shell;

        public CancellationToken CancellationToken => cancellationToken;

        public List<ExecutedCommand> Executed { get; } = [];

        /// <summary>The host's findings before activation, or null when the checks have no probe.</summary>
        public HostFindings? Baseline { get; set; }

        public async Task<Step> StepAsync(CommandRequest command)
        {
            var result = await shell.RunAsync(command, cancellationToken).ConfigureAwait(false);
            Executed.Add(ExecutedCommand.From(command, result));
            var report = NixosRebuildOutputParser.Parse(result.StandardOutput + "\n" + result.StandardError);
            return new Step(result, report, DescribeFailure(command, result, report, shell.HostName), Excerpt(result, report), Started(command, result));
        }

        public async Task<PipelineResult> RollBackAsync(
            CommandRequest undo, IReadOnlyList<string> protectedBefore, NixosHealthChecks checks, string failure, string? verification = null)
        {
            var rollback = await StepAsync(undo).ConfigureAwait(false);
            string undoResult;
            if (rollback.Failure is not null && !rollback.Report.SwitchedWithFailedUnits)
            {
                undoResult = $"The automatic rollback to the previous generation failed, so the host may run the new configuration: {rollback.Failure}";
            }
            else
            {
                var after = await checks.CheckAsync(protectedBefore, null, shell, Executed, cancellationToken, Baseline, rollback.Report.FailedUnits).ConfigureAwait(false);
                undoResult = after.Passed
                    ? $"Rolled back to the previous generation ({undo.DisplayText}). {after.Detail}"
                    : $"Rolled back to the previous generation ({undo.DisplayText}), but the checks afterwards still fail: {after.Detail}";
            }

            var status = verification is null ? ExecutionStatus.Failed : ExecutionStatus.VerificationFailed;
            return new PipelineResult(status, $"{failure} {undoResult}", Executed, rollback.Excerpt, verification, UndoAttempted: true, undoResult, Escalates: true);
        }

        public PipelineResult Fail(string reason, bool escalates = false) =>
            new(ExecutionStatus.Failed, reason, Executed, string.Empty, null, false, null, escalates);

        public PipelineResult VerificationFailed(string reason, string verification) =>
            new(ExecutionStatus.VerificationFailed, reason, Executed, string.Empty, verification, false, "No undo ran: a rollback has no automatic undo.", Escalates: true);

        public PipelineResult Succeed(string summary, string verification, string excerpt) =>
            new(ExecutionStatus.Succeeded, summary, Executed, excerpt, verification, false, null, false);

        private static bool Started(CommandRequest command, CommandResult result) =>
            result.Status is not (CommandStatus.NotFound or CommandStatus.Failed) && !NeedsPassword(command, result);

        private static bool NeedsPassword(CommandRequest command, CommandResult result) =>
            result.Status == CommandStatus.Exited && command.Program == "sudo" && result.StandardError.Contains("a password is required", StringComparison.Ordinal);

        private static string? DescribeFailure(CommandRequest command, CommandResult result, NixosRebuildReport report, string hostName)
        {
            if (result.Succeeded)
            {
                return null;
            }

            if (NeedsPassword(command, result))
            {
                return $"sudo on {hostName} needs a password for \"{command.DisplayText}\"; add a NOPASSWD sudo rule for Macha's user that allows exactly this command.";
            }

            // The first line of error output is often a warning, such as a dirty Git tree, so an
            // error the parser found replaces it.
            var found = report.FailedDerivations.Count > 0 || report.ErrorSummary is not null || report.FailedUnits.Count > 0;
            var described = found && result.Status == CommandStatus.Exited
                ? $"{command.DisplayText} exited with code {result.ExitCode}"
                : result.Describe(command.DisplayText);
            return report switch
            {
                { FailedDerivations: [var leaf, ..] } => $"{described}; the build of {leaf.Name} failed{(leaf.ExitCode is { } code ? $" with exit code {code}" : string.Empty)}.",
                { FailedStage: Monitoring.Parsers.NixosRebuildStage.Evaluation, ErrorSummary: { } error } => $"{described}; configuration error: {error}",
                { ErrorSummary: { } error } => $"{described}; {error}",
                { FailedUnits.Count: > 0 } => $"{described}; units failed during activation: {string.Join(", ", report.FailedUnits)}.",
                _ => described,
            };
        }

        private static string Excerpt(CommandResult result, NixosRebuildReport report)
        {
            var text = result.StandardError.Length == 0 ? result.StandardOutput : result.StandardOutput + "\n" + result.StandardError;
            return report.ErrorSummary is { } summary ? LogTextSanitizer.Sanitize(summary) : LogTextSanitizer.Sanitize(text);
        }
    }

    /// <param name="UnitFile">The text of Macha's unit file before activation, to tell whether activation changed it.</param>
    /// <param name="Refusal">Why the pipeline must not run on this host, or null.</param>
    private sealed record MachaUnitCheck(string? Unit, string? UnitFile, string? Refusal);

    /// <param name="Started">False when the command certainly did nothing: it was missing, or sudo needed a password.</param>
    private sealed record Step(CommandResult Result, NixosRebuildReport Report, string? Failure, string Excerpt, bool Started);
}

/// <summary>What a NixOS pipeline did, for the executor to turn into an <see cref="ExecutionOutcome"/>.</summary>
internal sealed record PipelineResult(
    ExecutionStatus Status,
    string Reason,
    IReadOnlyList<ExecutedCommand> Commands,
    string OutputExcerpt,
    string? Verification,
    bool UndoAttempted,
    string? UndoResult,
    bool Escalates);
