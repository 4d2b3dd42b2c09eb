using Macha.Core.Actions;
using Macha.Core.Actions.Execution;
using Macha.Core.Hosts;
using Macha.Core.Storage.Audit;
using Macha.Tests.Fakes;
using Macha.Tests.TestData;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Actions.Execution;

/// <summary>
/// NixOS rebuilds and rollbacks through the executor, on a scripted host. Its nixos-rebuild prints
/// what real hosts printed: a unit failing during a switch, a flake evaluation error next to a dirty
/// Git tree, and a build failure buried under its dependent derivations.
/// </summary>
public sealed class NixosPipelineTests
{
    private const string SwitchCase = "019-nixos-switch-unit-failed.txt";
    private const string EvaluationCase = "021-nixos-eval-error-dirty-tree.txt";
    private const string BuildCase = "022-nix-build-dependency-chain.txt";

    private const string ReadProfile = "readlink -- /nix/var/nix/profiles/system";
    private const string ListActive = "systemctl list-units --type=service,socket --state=active --no-legend --plain --no-pager";
    private const string DryBuild = "nixos-rebuild dry-build --flake /etc/nixos#web-1";
    private const string Test = "sudo -n nixos-rebuild test --flake /etc/nixos#web-1";
    private const string Switch = "sudo -n nixos-rebuild switch --flake /etc/nixos#web-1";
    private const string CheckProtected = "systemctl is-active -- sshd.service dbus.service";
    private const string Reactivate = "sudo -n /nix/var/nix/profiles/system/bin/switch-to-configuration test";
    private const string SwitchBack = "sudo -n nixos-rebuild switch --rollback";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 11, 0, 0, TimeSpan.Zero));
    private readonly RecordingAuditLog _audit = new();
    private readonly ReplayShell _shell = new(ActionTestData.HostName);

    public NixosPipelineTests()
    {
        // A healthy host: sshd and dbus are the protected services running; nginx is not protected.
        _shell.WithCommand(ReadProfile, "system-42-link\n")
            .WithCommand(ListActive, "sshd.service loaded active running SSH Daemon\nnginx.service loaded active running Nginx\ndbus.service loaded active running D-Bus System Message Bus\n")
            .WithCommand(DryBuild, "", standardError: "these 3 derivations will be built:\n")
            .WithCommand(Test, "", standardError: "activating the configuration...\nsetting up /etc...\n")
            .WithCommand(Switch, "", standardError: "activating the configuration...\nsetting up /etc...\n")
            .WithCommand(CheckProtected, "active\nactive\n")
            .WithCommand(Reactivate, "", standardError: "activating the configuration...\n")
            .WithCommand(SwitchBack, "", standardError: "activating the configuration...\n");
    }

    [Fact]
    public async Task Rebuild_EverythingPasses_RunsStepsInOrder()
    {
        var outcome = await RebuildAsync();

        Assert.Equal(ExecutionStatus.Succeeded, outcome.Status);
        Assert.Equal([ReadProfile, ListActive, DryBuild, Test, CheckProtected, Switch, CheckProtected], _shell.CommandsRun);
        Assert.False(outcome.UndoAttempted);
        Assert.Contains("Switched to /etc/nixos#web-1", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("SSH (sshd.service) is still active", outcome.Verification, StringComparison.Ordinal);
        Assert.Equal([AuditEventTypes.ActionStarted, AuditEventTypes.ActionSucceeded], _audit.Types);
    }

    [Fact]
    public async Task Rebuild_Started_AuditsAllThreeStages()
    {
        await RebuildAsync();

        var argv = _audit.Appended[0].Event.Data!["argv"]!.ToJsonString();
        Assert.Contains("\"dry-build\"", argv, StringComparison.Ordinal);
        Assert.Contains("\"test\"", argv, StringComparison.Ordinal);
        Assert.Contains("\"switch\"", argv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rebuild_EvaluationErrorOnDirtyTree_StopsBeforeTest()
    {
        _shell.WithCommand(DryBuild, "", exitCode: 1, standardError: "warning: Git tree '/etc/nixos' is dirty\n" + Cases.Input(EvaluationCase, "B"));

        var outcome = await RebuildAsync();

        Assert.Equal(ExecutionStatus.Failed, outcome.Status);
        Assert.Contains("configuration error: error: getting status of '/nix/store/i9xm3vhir130v2ckywsqj1x3hd9zhhja-source/hardware-configuration.nix'", outcome.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("dirty", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("nothing was activated", outcome.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(_shell.CommandsRun, command => command.StartsWith("sudo", StringComparison.Ordinal));
        Assert.False(outcome.UndoAttempted);
    }

    [Fact]
    public async Task Rebuild_MissingFlakeAttribute_StopsBeforeTest()
    {
        _shell.WithCommand(DryBuild, "", exitCode: 1, standardError: Cases.Input(EvaluationCase, "A"));

        var outcome = await RebuildAsync();

        Assert.Equal(ExecutionStatus.Failed, outcome.Status);
        Assert.Contains("does not provide attribute", outcome.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(Test, _shell.CommandsRun);
    }

    [Theory]
    [InlineData("A", "linux-src-patched")]
    [InlineData("B", "b43-firmware-5.100.138")]
    public async Task Rebuild_BuildFailsUnderDependencyChain_NamesTheLeaf(string input, string leaf)
    {
        _shell.WithCommand(DryBuild, "", exitCode: 1, standardError: Cases.Input(BuildCase, input));

        var outcome = await RebuildAsync();

        Assert.Equal(ExecutionStatus.Failed, outcome.Status);
        Assert.Contains($"the build of {leaf} failed", outcome.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(Test, _shell.CommandsRun);
        Assert.DoesNotContain(_shell.CommandsRun, command => command.Contains("collect-garbage", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rebuild_UnitFailsDuringActivation_SwitchesWithoutRollback()
    {
        var unitFailed = Result(4, Cases.Input(SwitchCase, "A"));
        _shell.WithCommandResult(Test, unitFailed).WithCommandResult(Switch, unitFailed);

        var outcome = await RebuildAsync();

        Assert.Equal(ExecutionStatus.Succeeded, outcome.Status);
        Assert.Contains("1 unit(s) failed during activation: mount-pstore.service", outcome.Reason, StringComparison.Ordinal);
        Assert.Single(_shell.CommandsRun, command => command == Switch);
        Assert.DoesNotContain(Reactivate, _shell.CommandsRun);
        Assert.DoesNotContain(SwitchBack, _shell.CommandsRun);
    }

    [Fact]
    public async Task Rebuild_TransientActivationError_RetriesTestOnce()
    {
        _shell.WithCommandSequence(Test, Result(1, Cases.Input(SwitchCase, "B")), Result(0, "activating the configuration...\n"));

        var outcome = await RebuildAsync();

        Assert.Equal(ExecutionStatus.Succeeded, outcome.Status);
        Assert.Equal(2, _shell.CommandsRun.Count(command => command == Test));
    }

    [Fact]
    public async Task Rebuild_ActivationErrorTwice_RollsBackToPreviousGeneration()
    {
        _shell.WithCommandResult(Test, Result(4, Cases.Input(SwitchCase, "C")));

        var outcome = await RebuildAsync();

        Assert.Equal(ExecutionStatus.Failed, outcome.Status);
        Assert.Equal(2, _shell.CommandsRun.Count(command => command == Test));
        Assert.Equal([Reactivate, CheckProtected], _shell.CommandsRun[^2..]);
        Assert.DoesNotContain(Switch, _shell.CommandsRun);
        Assert.True(outcome.UndoAttempted);
        Assert.True(outcome.Escalates);
        Assert.Contains("Failed to run user activation for user1", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("Rolled back to the previous generation", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal([AuditEventTypes.ActionStarted, AuditEventTypes.ActionUndone, AuditEventTypes.ActionFailed], _audit.Types);
        Assert.Contains("Rolled back", (string?)_audit.Appended[1].Event.Data!["undo_result"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rebuild_ProtectedServiceStopsAfterTest_RollsBackBeforeSwitch()
    {
        _shell.WithCommandSequence(CheckProtected, Output(3, "inactive\nactive\n"), Output(0, "active\nactive\n"));

        var outcome = await RebuildAsync();

        Assert.Equal(ExecutionStatus.VerificationFailed, outcome.Status);
        Assert.Contains("sshd.service is inactive", outcome.Verification, StringComparison.Ordinal);
        Assert.DoesNotContain(Switch, _shell.CommandsRun);
        Assert.Contains(Reactivate, _shell.CommandsRun);
        Assert.True(outcome.UndoAttempted);
        Assert.Contains("Rolled back to the previous generation", outcome.UndoResult, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rebuild_SwitchFailsAfterProfileMoved_SwitchesBack()
    {
        _shell.WithCommandResult(Switch, Result(1, "error: installing the boot loader failed\n"))
            .WithCommandSequence(ReadProfile, Output(0, "system-42-link\n"), Output(0, "system-43-link\n"));

        var outcome = await RebuildAsync();

        Assert.Equal(ExecutionStatus.Failed, outcome.Status);
        Assert.Contains(SwitchBack, _shell.CommandsRun);
        Assert.DoesNotContain(Reactivate, _shell.CommandsRun);
        Assert.True(outcome.UndoAttempted);
    }

    [Fact]
    public async Task Rebuild_SwitchFailsProfileUnchanged_ReactivatesProfile()
    {
        _shell.WithCommandResult(Switch, Result(1, "error: cannot open connection to remote store 'daemon'\n"));

        var outcome = await RebuildAsync();

        Assert.Equal(ExecutionStatus.Failed, outcome.Status);
        Assert.Contains(Reactivate, _shell.CommandsRun);
        Assert.DoesNotContain(SwitchBack, _shell.CommandsRun);
    }

    [Fact]
    public async Task Rebuild_SudoNeedsPassword_FailsWithoutRollback()
    {
        _shell.WithCommand(Test, "", exitCode: 1, standardError: "sudo: a password is required\n");

        var outcome = await RebuildAsync();

        Assert.Equal(ExecutionStatus.Failed, outcome.Status);
        Assert.Contains("NOPASSWD", outcome.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(Reactivate, _shell.CommandsRun);
        Assert.False(outcome.UndoAttempted);
    }

    [Fact]
    public async Task Rebuild_RollbackItselfFails_SaysSo()
    {
        _shell.WithCommandResult(Test, Result(4, Cases.Input(SwitchCase, "C")))
            .WithCommand(Reactivate, "", exitCode: 1, standardError: "sudo: a password is required\n");

        var outcome = await RebuildAsync();

        Assert.Equal(ExecutionStatus.Failed, outcome.Status);
        Assert.Contains("automatic rollback to the previous generation failed", outcome.UndoResult, StringComparison.Ordinal);
        Assert.True(outcome.Escalates);
    }

    [Fact]
    public async Task Rebuild_CannotListServices_RunsNothing()
    {
        _shell.WithCommand(ListActive, "", exitCode: 1, standardError: "System has not been booted with systemd as init system (PID 1).\n");

        var outcome = await RebuildAsync();

        Assert.Equal(ExecutionStatus.Failed, outcome.Status);
        Assert.Equal([ReadProfile, ListActive], _shell.CommandsRun);
    }

    [Fact]
    public async Task Rebuild_EachStep_HasATimeout()
    {
        var recording = new List<CommandRequest>();
        var shell = new RecordingShell(_shell, recording);

        await CreateExecutor().ExecuteAsync(Rebuild(), shell, "alice");

        Assert.All(recording, request => Assert.True(request.Timeout > TimeSpan.Zero && request.Timeout <= TimeSpan.FromHours(1), request.DisplayText));
        Assert.All(recording.Where(request => request.Program == "sudo"), request => Assert.Equal("-n", request.Arguments[0]));
    }

    [Fact]
    public async Task Rollback_ChecksPass_Succeeds()
    {
        var outcome = await CreateExecutor().ExecuteAsync(new RollbackNixos(ActionTestData.Context()), _shell, "alice");

        Assert.Equal(ExecutionStatus.Succeeded, outcome.Status);
        Assert.Equal([ListActive, SwitchBack, CheckProtected], _shell.CommandsRun);
        Assert.Contains("Rolled back to the previous generation", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_ProtectedServiceStops_Escalates()
    {
        _shell.WithCommand(CheckProtected, "active\nfailed\n", exitCode: 3);

        var outcome = await CreateExecutor().ExecuteAsync(new RollbackNixos(ActionTestData.Context()), _shell, "alice");

        Assert.Equal(ExecutionStatus.VerificationFailed, outcome.Status);
        Assert.Contains("dbus.service is failed", outcome.Verification, StringComparison.Ordinal);
        Assert.True(outcome.Escalates);
        Assert.False(outcome.UndoAttempted);
    }

    [Fact]
    public async Task Rollback_SwitchFails_Escalates()
    {
        _shell.WithCommand(SwitchBack, "", exitCode: 1, standardError: "error: no generation older than the current (42) exists\n");

        var outcome = await CreateExecutor().ExecuteAsync(new RollbackNixos(ActionTestData.Context()), _shell, "alice");

        Assert.Equal(ExecutionStatus.Failed, outcome.Status);
        Assert.True(outcome.Escalates);
        Assert.DoesNotContain(CheckProtected, _shell.CommandsRun);
    }

    private static RebuildNixos Rebuild() => new(ActionTestData.Context(), "/etc/nixos#web-1");

    private static CommandResult Result(int exitCode, string standardError) =>
        new(CommandStatus.Exited, exitCode, "", standardError, TimeSpan.FromMilliseconds(1));

    private static CommandResult Output(int exitCode, string standardOutput) =>
        new(CommandStatus.Exited, exitCode, standardOutput, "", TimeSpan.FromMilliseconds(1));

    private Task<ExecutionOutcome> RebuildAsync() => CreateExecutor().ExecuteAsync(Rebuild(), _shell, "alice");

    private ActionExecutor CreateExecutor()
    {
        var options = ActionTestData.Options();
        return new ActionExecutor(new ProtectedTargets(options), _audit, options, _time, NullLogger<ActionExecutor>.Instance);
    }

    private sealed class RecordingShell(IHostShell inner, List<CommandRequest> requests) : IHostShell
    {
        public string HostName => inner.HostName;

        public Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellationToken = default)
        {
            requests.Add(request);
            return inner.RunAsync(request, cancellationToken);
        }

        public Task<FileReadResult> ReadFileAsync(string path, int maxBytes, CancellationToken cancellationToken = default) =>
            inner.ReadFileAsync(path, maxBytes, cancellationToken);
    }
}
