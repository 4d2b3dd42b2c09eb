using System.Text.Json.Nodes;
using Macha.Core.Actions;
using Macha.Core.Actions.Execution;
using Macha.Core.Configuration;
using Macha.Core.Hosts;
using Macha.Core.Storage.Audit;
using Macha.Tests.Fakes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Actions.Execution;

public sealed class ActionExecutorTests
{
    private const string Actor = "macha";
    private const string RestartLine = "sudo -n systemctl restart -- nginx.service";
    private const string IsActiveLine = "systemctl is-active -- nginx.service";
    private const string PasswordRequired = "sudo: a password is required\n";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 11, 0, 0, TimeSpan.Zero));
    private readonly RecordingAuditLog _audit = new();
    private readonly ReplayShell _shell = new(ActionTestData.HostName);

    [Theory]
    [InlineData(ActionKindsUnderTest.Restart, "sudo|-n|systemctl|restart|--|nginx.service")]
    [InlineData(ActionKindsUnderTest.ResetFailed, "sudo|-n|systemctl|reset-failed|--|nginx.service")]
    [InlineData(ActionKindsUnderTest.Vacuum, "sudo|-n|journalctl|--vacuum-size=500M")]
    [InlineData(ActionKindsUnderTest.Garbage, "sudo|-n|nix-collect-garbage|--delete-older-than|14d")]
    [InlineData(ActionKindsUnderTest.Diagnostic, "systemctl|status|--no-pager|--full|--lines=50|--|nginx.service")]
    public async Task ExecuteAsync_EachKind_RunsExactArgv(ActionKindsUnderTest kind, string expectedArgv)
    {
        var request = Request(kind);
        var recording = new ArgvRecordingShell(_shell);

        await RunAsync(CreateExecutor(), request, recording);

        Assert.Equal(expectedArgv.Split('|'), recording.Argvs[0]);
    }

    [Fact]
    public async Task ExecuteAsync_RestartActiveAfterSettle_Succeeds()
    {
        _shell.WithCommand(RestartLine, "").WithCommand(IsActiveLine, "active\n");

        var outcome = await RunAsync(CreateExecutor(), Restart());

        Assert.Equal(ExecutionStatus.Succeeded, outcome.Status);
        Assert.Equal([RestartLine, IsActiveLine], _shell.CommandsRun);
        Assert.Contains("printed \"active\"", outcome.Verification, StringComparison.Ordinal);
        Assert.False(outcome.Escalates);
    }

    [Fact]
    public async Task ExecuteAsync_Restart_WaitsSettleTimeBeforeCheck()
    {
        _shell.WithCommand(RestartLine, "").WithCommand(IsActiveLine, "active\n");

        var task = CreateExecutor().ExecuteAsync(Restart(), _shell, Actor);
        _time.Advance(TimeSpan.FromSeconds(9));
        var checkedEarly = _shell.CommandsRun.Contains(IsActiveLine);
        _time.Advance(TimeSpan.FromSeconds(1));
        var outcome = await task;

        Assert.False(checkedEarly);
        Assert.Equal(ExecutionStatus.Succeeded, outcome.Status);
        Assert.Equal(TimeSpan.FromSeconds(10), outcome.Elapsed);
    }

    [Fact]
    public async Task ExecuteAsync_RestartedUnitFailed_Escalates()
    {
        _shell.WithCommand(RestartLine, "").WithCommand(IsActiveLine, "failed\n", exitCode: 3);

        var outcome = await RunAsync(CreateExecutor(), Restart());

        Assert.Equal(ExecutionStatus.VerificationFailed, outcome.Status);
        Assert.Contains("printed \"failed\" (exit code 3)", outcome.Verification, StringComparison.Ordinal);
        Assert.True(outcome.Escalates);
        Assert.False(outcome.UndoAttempted);
        Assert.Contains("no automatic undo", outcome.UndoResult, StringComparison.Ordinal);
        Assert.Equal([AuditEventTypes.ActionStarted, AuditEventTypes.ActionFailed], _audit.Types);
        Assert.Equal("verification_failed", (string?)_audit.Appended[1].Event.Data!["outcome"]);
    }

    [Fact]
    public async Task ExecuteAsync_RestartCheckCommandMissing_VerificationFails()
    {
        _shell.WithCommand(RestartLine, "");

        var outcome = await RunAsync(CreateExecutor(), Restart());

        Assert.Equal(ExecutionStatus.VerificationFailed, outcome.Status);
        Assert.Contains("could not check the unit", outcome.Verification, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("active\n", 1, ExecutionStatus.Succeeded)]
    [InlineData("inactive\n", 1, ExecutionStatus.Succeeded)]
    [InlineData("failed\n", 0, ExecutionStatus.VerificationFailed)]
    public async Task ExecuteAsync_ResetFailedCheck_DependsOnPrintedState(string isFailedOutput, int exitCode, ExecutionStatus expected)
    {
        _shell.WithCommand("sudo -n systemctl reset-failed -- nginx.service", "")
            .WithCommand("systemctl is-failed -- nginx.service", isFailedOutput, exitCode);

        var outcome = await RunAsync(CreateExecutor(), Request(ActionKindsUnderTest.ResetFailed));

        Assert.Equal(expected, outcome.Status);
    }

    [Fact]
    public async Task ExecuteAsync_VacuumPrintsFreedSpace_RecordsIt()
    {
        _shell.WithCommand("sudo -n journalctl --vacuum-size=500M", "", standardError:
            "Deleted archived journal /var/log/journal/3f/system@0005f-1.journal~ (128.0M).\nVacuuming done, freed 1.2G of archived journals from /var/log/journal.\n");

        var outcome = await RunAsync(CreateExecutor(), Request(ActionKindsUnderTest.Vacuum));

        Assert.Equal(ExecutionStatus.Succeeded, outcome.Status);
        Assert.Equal("1.2G", outcome.FreedSpace);
        Assert.Equal("1.2G", (string?)_audit.Appended[1].Event.Data!["freed_space"]);
    }

    [Fact]
    public async Task ExecuteAsync_GarbagePrintsFreedSpace_RecordsIt()
    {
        _shell.WithCommand("sudo -n nix-collect-garbage --delete-older-than 14d",
            "removing old generations of profile /nix/var/nix/profiles/system\ndeleting unused links...\n1542 store paths deleted, 2310.45 MiB freed\n");

        var outcome = await RunAsync(CreateExecutor(), Request(ActionKindsUnderTest.Garbage));

        Assert.Equal(ExecutionStatus.Succeeded, outcome.Status);
        Assert.Equal("2310.45 MiB", outcome.FreedSpace);
    }

    [Fact]
    public async Task ExecuteAsync_GarbageWithoutFreedLine_Succeeds()
    {
        _shell.WithCommand("sudo -n nix-collect-garbage --delete-older-than 14d", "");

        var outcome = await RunAsync(CreateExecutor(), Request(ActionKindsUnderTest.Garbage));

        Assert.Equal(ExecutionStatus.Succeeded, outcome.Status);
        Assert.Null(outcome.FreedSpace);
    }

    [Fact]
    public async Task ExecuteAsync_DiagnosticNonZeroExit_Succeeds()
    {
        _shell.WithCommand("systemctl status --no-pager --full --lines=50 -- nginx.service",
            "\u001b[0;1;31m×\u001b[0m nginx.service - A high performance web server\n     Active: failed (Result: exit-code)\n", exitCode: 3);

        var outcome = await RunAsync(CreateExecutor(), Request(ActionKindsUnderTest.Diagnostic));

        Assert.Equal(ExecutionStatus.Succeeded, outcome.Status);
        Assert.Equal("× nginx.service - A high performance web server\n     Active: failed (Result: exit-code)", outcome.OutputExcerpt);
    }

    [Fact]
    public async Task ExecuteAsync_LongDiagnostic_KeepsEveryLine()
    {
        var lines = Enumerable.Range(1, 200).Select(i => $"2026-12-04T11:00:{i % 60:00}+0000 web-1 nginx[12]: line {i}");
        _shell.WithCommand("journalctl --no-pager --output=short-iso --lines=200 --unit=nginx.service", string.Join('\n', lines));
        var request = new RunDiagnostic(ActionTestData.Context(), "unit_logs", "nginx.service");

        var outcome = await RunAsync(CreateExecutor(), request);

        Assert.Equal(200, outcome.OutputExcerpt.Split('\n').Length);
    }

    [Fact]
    public async Task ExecuteAsync_DiagnosticOverCap_IsCut()
    {
        _shell.WithCommand("df -P -h", string.Join('\n', Enumerable.Repeat(new string('x', 1000), 100)));
        var request = new RunDiagnostic(ActionTestData.Context(), "disk_usage");

        var outcome = await RunAsync(CreateExecutor(), request);

        Assert.True(outcome.OutputExcerpt.Length < ActionExecutor.MaxDiagnosticOutputChars + 100);
        Assert.EndsWith("more characters cut]", outcome.OutputExcerpt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_SudoNeedsPassword_Fails()
    {
        _shell.WithCommand(RestartLine, "", exitCode: 1, standardError: PasswordRequired);

        var outcome = await RunAsync(CreateExecutor(), Restart());

        Assert.Equal(ExecutionStatus.Failed, outcome.Status);
        Assert.Contains("needs a password", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("NOPASSWD", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal([RestartLine], _shell.CommandsRun);
    }

    [Fact]
    public async Task ExecuteAsync_CommandTimesOut_Fails()
    {
        var timedOut = new CommandResult(CommandStatus.TimedOut, null, "", "", RestartUnit.Timeout, FailureReason: "killed at timeout");
        _shell.WithCommandResult(RestartLine, timedOut);

        var outcome = await RunAsync(CreateExecutor(), Restart());

        Assert.Equal(ExecutionStatus.Failed, outcome.Status);
        Assert.Contains("timed out after 240 s", outcome.Reason, StringComparison.Ordinal);
        Assert.Null(outcome.Commands[0].ExitCode);
    }

    [Fact]
    public async Task ExecuteAsync_Command_PassesItsTimeout()
    {
        _shell.WithCommand("sudo -n journalctl --vacuum-size=500M", "");
        var recording = new ArgvRecordingShell(_shell);

        await RunAsync(CreateExecutor(), Request(ActionKindsUnderTest.Vacuum), recording);

        Assert.Equal(VacuumJournal.Timeout, recording.Requests[0].Timeout);
    }

    [Fact]
    public async Task ExecuteAsync_FirstCommandFails_SkipsTheRest()
    {
        var request = new RunDiagnostic(ActionTestData.Context(), "connectivity");

        var outcome = await RunAsync(CreateExecutor(), request);

        Assert.Equal(ExecutionStatus.Failed, outcome.Status);
        Assert.Equal(["ip -brief address show"], _shell.CommandsRun);
    }

    [Fact]
    public async Task ExecuteAsync_ProgramMissing_Fails()
    {
        var outcome = await RunAsync(CreateExecutor(), Request(ActionKindsUnderTest.Garbage));

        Assert.Equal(ExecutionStatus.Failed, outcome.Status);
        Assert.Contains("program not found", outcome.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sshd.service")]
    [InlineData("systemd-journald.service")]
    [InlineData("postgresql.service")]
    public async Task ExecuteAsync_ProtectedUnit_Refused(string unit)
    {
        var executor = CreateExecutor(options => options.ProtectedUnits.Add("postgresql"));

        var outcome = await RunAsync(executor, new RestartUnit(ActionTestData.Context(), unit));

        Assert.Equal(ExecutionStatus.Refused, outcome.Status);
        Assert.Empty(_shell.CommandsRun);
        Assert.Equal([AuditEventTypes.ActionRefused], _audit.Types);
    }

    [Fact]
    public async Task ExecuteAsync_OtherHostShell_Refused()
    {
        var otherHost = new ReplayShell("db-1").WithCommand(RestartLine, "");

        var outcome = await CreateExecutor().ExecuteAsync(Restart(), otherHost, Actor);

        Assert.Equal(ExecutionStatus.Refused, outcome.Status);
        Assert.Contains("db-1", outcome.Reason, StringComparison.Ordinal);
        Assert.Empty(otherHost.CommandsRun);
    }

    [Fact]
    public async Task ExecuteAsync_HostNameCaseDiffers_Runs()
    {
        var upperCase = new ReplayShell("WEB-1").WithCommand("sudo -n nix-collect-garbage --delete-older-than 14d", "");

        var outcome = await CreateExecutor().ExecuteAsync(Request(ActionKindsUnderTest.Garbage), upperCase, Actor);

        Assert.Equal(ExecutionStatus.Succeeded, outcome.Status);
    }

    [Fact]
    public async Task ExecuteAsync_Succeeded_WritesStartedAndSucceededLines()
    {
        _shell.WithCommand(RestartLine, "").WithCommand(IsActiveLine, "active\n");

        await RunAsync(CreateExecutor(), Restart());

        Assert.Equal([AuditEventTypes.ActionStarted, AuditEventTypes.ActionSucceeded], _audit.Types);
        Assert.All(_audit.Appended, entry => Assert.Equal(AuditFile.Actions, entry.File));
        Assert.All(_audit.Appended, entry => Assert.Equal(ActionTestData.IncidentId, entry.Event.IncidentId));
    }

    [Fact]
    public async Task ExecuteAsync_RealAuditLog_WritesActionLines()
    {
        using var data = new TestDataDirectory();
        using var auditLog = new AuditLog(
            Options.Create(new MachaOptions { DataDirectory = data.Path }), new SecretRedactor(), _time, NullLogger<AuditLog>.Instance);
        _shell.WithCommand("sudo -n journalctl --vacuum-size=500M", "", standardError: "Vacuuming done, freed 0B of archived journals from /run/log/journal.\n");
        var executor = new ActionExecutor(
            new ProtectedTargets(ActionTestData.Options()), auditLog, ActionTestData.Options(), _time, NullLogger<ActionExecutor>.Instance);

        await executor.ExecuteAsync(Request(ActionKindsUnderTest.Vacuum), _shell, "alice");
        var lines = File.ReadAllLines(Path.Combine(data.Path, AuditLog.ActionsFileName)).Select(line => JsonNode.Parse(line)!).ToList();

        Assert.Equal(2, lines.Count);
        Assert.Equal(["action.started", "action.succeeded"], lines.Select(line => (string?)line["type"]));
        Assert.Equal("alice", (string?)lines[1]["actor"]);
        Assert.Equal("web-1", (string?)lines[1]["host"]);
        Assert.Equal("""[["sudo","-n","journalctl","--vacuum-size=500M"]]""", lines[1]["data"]!["argv"]!.ToJsonString());
        Assert.Equal("[0]", lines[1]["data"]!["exit_codes"]!.ToJsonString());
        Assert.Equal("vacuum_journal", (string?)lines[1]["data"]!["kind"]);
        Assert.NotNull(lines[1]["data"]!["elapsed_ms"]);
        Assert.Contains("freed 0B", (string?)lines[1]["data"]!["verification"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_CancelledDuringSettle_WritesInterrupted()
    {
        _shell.WithCommand(RestartLine, "").WithCommand(IsActiveLine, "active\n");
        using var cancellation = new CancellationTokenSource();

        var task = CreateExecutor().ExecuteAsync(Restart(), _shell, Actor, cancellation.Token);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        Assert.Equal([AuditEventTypes.ActionStarted, AuditEventTypes.ActionInterrupted], _audit.Types);
        Assert.DoesNotContain(IsActiveLine, _shell.CommandsRun);
    }

    [Fact]
    public async Task ExecuteAsync_StartGuardRefuses_RunsNothing()
    {
        _shell.WithCommand(RestartLine, "").WithCommand(IsActiveLine, "active\n");

        var outcome = await CreateExecutor().ExecuteAsync(Restart(), _shell, Actor, _ => Task.FromResult<string?>("autonomy was paused"));

        Assert.Equal(ExecutionStatus.Refused, outcome.Status);
        Assert.Equal("autonomy was paused", outcome.Reason);
        Assert.Empty(_shell.CommandsRun);
        Assert.Equal([AuditEventTypes.ActionRefused], _audit.Types);
    }

    [Fact]
    public async Task ExecuteAsync_CancelledBeforeStart_RunsNothing()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CreateExecutor().ExecuteAsync(Restart(), _shell, Actor, cancellation.Token));

        Assert.Empty(_shell.CommandsRun);
        Assert.Empty(_audit.Appended);
    }

    [Fact]
    public void AddMachaActions_WithAudit_ResolvesExecutor()
    {
        using var data = new TestDataDirectory();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Macha:DataDirectory"] = data.Path }).Build();
        var services = new ServiceCollection().AddLogging().AddMachaActions(configuration).AddMachaAudit();
        services.AddOptions<MachaOptions>().Bind(configuration.GetSection(MachaOptions.SectionName));
        using var provider = services.BuildServiceProvider();

        Assert.NotNull(provider.GetRequiredService<ActionExecutor>());
    }

    public enum ActionKindsUnderTest
    {
        Restart,
        ResetFailed,
        Vacuum,
        Garbage,
        Diagnostic,
    }

    private static RestartUnit Restart() => new(ActionTestData.Context(), "nginx.service");

    private static ExecutableActionRequest Request(ActionKindsUnderTest kind) => kind switch
    {
        ActionKindsUnderTest.Restart => Restart(),
        ActionKindsUnderTest.ResetFailed => new ResetFailedUnit(ActionTestData.Context(), "nginx.service"),
        ActionKindsUnderTest.Vacuum => new VacuumJournal(ActionTestData.Context(), JournalSize.Parse("500M")),
        ActionKindsUnderTest.Garbage => new CollectNixGarbage(ActionTestData.Context(), 14),
        _ => new RunDiagnostic(ActionTestData.Context(), "unit_status", "nginx.service"),
    };

    private ActionExecutor CreateExecutor(Action<ActionOptions>? configure = null)
    {
        var options = ActionTestData.Options(configure);
        return new ActionExecutor(new ProtectedTargets(options), _audit, options, _time, NullLogger<ActionExecutor>.Instance);
    }

    // Runs the action while moving fake time forward, so a restart's settle wait ends.
    private async Task<ExecutionOutcome> RunAsync(ActionExecutor executor, ExecutableActionRequest request, IHostShell? shell = null)
    {
        var task = executor.ExecuteAsync(request, shell ?? _shell, Actor);
        for (var step = 0; step < 100 && !task.IsCompleted; step++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }

        return await task;
    }

    /// <summary>Passes commands to a replay shell and keeps each request, so tests can compare exact argv.</summary>
    private sealed class ArgvRecordingShell(ReplayShell inner) : IHostShell
    {
        public List<CommandRequest> Requests { get; } = [];

        public List<string[]> Argvs => [.. Requests.Select(request => (string[])[request.Program, .. request.Arguments])];

        public string HostName => inner.HostName;

        public Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellationToken = default)
        {
            Requests.Add(request);
            return inner.RunAsync(request, cancellationToken);
        }

        public Task<FileReadResult> ReadFileAsync(string path, int maxBytes, CancellationToken cancellationToken = default) =>
            inner.ReadFileAsync(path, maxBytes, cancellationToken);
    }
}
