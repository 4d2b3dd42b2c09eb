using System.Text.Json;
using Macha.Core.Actions;
using Macha.Core.Actions.Autonomy;
using Macha.Core.Actions.Execution;
using Macha.Core.Analysis;
using Macha.Core.Approvals;
using Macha.Core.Cycle;
using Macha.Core.Monitoring;
using Macha.Core.Storage;
using Macha.Tests.Cycle;
using Macha.Tests.Fakes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Macha.Tests.Actions;

/// <summary>
/// Follows a failed unit from the health cycle through the incident, the skipped analysis and the
/// playbook to the action policy: a pending approval, an immediate run with verification, or a
/// refusal, each with its audit line.
/// </summary>
public sealed class ActionPlannerTests
{
    [Fact]
    public async Task Plan_FailedUnitUnderSuggest_QueuesRestartForApproval()
    {
        await using var harness = await StartAsync("nginx.service", "loaded", "Suggest");

        await RunCycleAndPlanAsync(harness);

        await using var db = harness.OpenDatabase();
        var approval = await db.Approvals.SingleAsync();
        Assert.Equal(ApprovalState.Pending, approval.State);
        Assert.Equal("restart_unit", approval.ActionKind);
        Assert.Equal(["sudo", "-n", "systemctl", "restart", "--", "nginx.service"], JsonSerializer.Deserialize<string[]>(approval.ArgvJson)!);
        Assert.Equal("Low", approval.Risk);
        Assert.NotNull(approval.ProposalJson);
        Assert.Contains("action.queued", await ReadActionsAsync(harness), StringComparison.Ordinal);
        Assert.StartsWith($"$ {PreviewStatus("nginx.service")}\n× nginx.service - stand-in", approval.DryRunOutput, StringComparison.Ordinal);
        Assert.Contains("ConsistsOf=nginx-reload.service", approval.DryRunOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_PreviewCannotRun_QueuesWithReason()
    {
        await using var harness = await StartAsync("nginx.service", "loaded", "Suggest", recordPreview: false);

        await RunCycleAndPlanAsync(harness);

        await using var db = harness.OpenDatabase();
        var approval = await db.Approvals.SingleAsync();
        Assert.Equal(ApprovalState.Pending, approval.State);
        Assert.StartsWith(ActionDryRun.FailedPrefix, approval.DryRunOutput, StringComparison.Ordinal);
        Assert.Contains("program not found", approval.DryRunOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_AlreadyPending_RunsNoSecondPreview()
    {
        await using var harness = await StartAsync("nginx.service", "loaded", "Suggest");
        await RunCycleAndPlanAsync(harness);
        var planner = harness.Get<ActionPlanner>();
        AnalysisRecord analysis;
        await using (var db = harness.OpenDatabase())
        {
            analysis = await db.Analyses.AsNoTracking().SingleAsync();
        }

        Shell(harness).CommandsRun.Clear();
        var planned = await planner.PlanAsync(analysis);

        Assert.Equal(ActionOutcome.AwaitApproval, Assert.Single(planned).Outcome);
        Assert.Empty(Shell(harness).CommandsRun);
    }

    [Fact]
    public async Task FailedUnit_ApprovedThroughTheQueue_RestartsVerifiesAndAudits()
    {
        await using var harness = await StartAsync("nginx.service", "loaded", "Suggest");
        await RunCycleAndPlanAsync(harness);
        Guid approvalId;
        await using (var db = harness.OpenDatabase())
        {
            approvalId = (await db.Approvals.SingleAsync()).Id;
        }

        var result = await harness.Get<ApprovalRunner>().ApproveAndRunAsync(approvalId, "alice", "looks right");

        Assert.Equal(ApprovalRunStatus.Ran, result.Status);
        Assert.Equal(
            [PreviewStatus("nginx.service"), PreviewShow("nginx.service"), "sudo -n systemctl restart -- nginx.service", "systemctl is-active -- nginx.service"],
            Shell(harness).CommandsRun);
        Assert.Equal(ApprovalState.Succeeded, (await harness.Get<ApprovalQueue>().GetAsync(approvalId))?.State);
        var actions = await ReadActionsAsync(harness);
        Assert.Contains("action.queued", actions, StringComparison.Ordinal);
        Assert.Contains("action.succeeded", actions, StringComparison.Ordinal);
        Assert.Contains("\"actor\":\"alice\"", actions, StringComparison.Ordinal);
        Assert.Contains("skipped", await File.ReadAllTextAsync(Path.Combine(harness.DataDirectory, "decisions.jsonl")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_AnalysisFailedBecauseOllamaIsDown_PlaybookStillQueuesRestart()
    {
        var ollama = await FakeOllamaServer.StartAsync();
        var ollamaUrl = ollama.Uri.ToString();
        await ollama.DisposeAsync();
        await using var harness = await StartAsync(
            "nginx.service",
            "loaded",
            "Suggest",
            new Dictionary<string, string?>
            {
                ["Macha:Analysis:Enabled"] = "true",
                ["Macha:Analysis:OllamaUrl"] = ollamaUrl,
                ["Macha:Analysis:RequestTimeout"] = "00:00:05",
            });

        await RunCycleAndPlanAsync(harness);

        await using var db = harness.OpenDatabase();
        var analysis = await db.Analyses.SingleAsync();
        Assert.Equal(Macha.Core.Analysis.AnalysisState.Failed, analysis.State);
        Assert.False(string.IsNullOrWhiteSpace(analysis.Reason));
        var approval = await db.Approvals.SingleAsync();
        Assert.Equal("restart_unit", approval.ActionKind);
        Assert.Null(approval.Diagnosis);
    }

    [Fact]
    public async Task Plan_FailedUnitUnderAutoSafe_RestartsAndVerifies()
    {
        await using var harness = await StartAsync("nginx.service", "loaded", "AutoSafe");

        await RunCycleAndPlanAsync(harness);

        Assert.Contains("sudo -n systemctl restart -- nginx.service", Shell(harness).CommandsRun);
        Assert.Contains("systemctl is-active -- nginx.service", Shell(harness).CommandsRun);
        var actions = await ReadActionsAsync(harness);
        Assert.Contains("action.started", actions, StringComparison.Ordinal);
        Assert.Contains("action.succeeded", actions, StringComparison.Ordinal);
        await using var db = harness.OpenDatabase();
        Assert.Empty(await db.Approvals.ToListAsync());
    }

    [Fact]
    public async Task Plan_ProtectedUnitFailed_IsRefusedAtEveryLevel()
    {
        await using var harness = await StartAsync("sshd.service", "loaded", "AutoFull");

        await RunCycleAndPlanAsync(harness);

        Assert.DoesNotContain(Shell(harness).CommandsRun, command => command.Contains("restart", StringComparison.Ordinal));
        await using var db = harness.OpenDatabase();
        Assert.Empty(await db.Approvals.ToListAsync());
        Assert.Contains("action.refused", await ReadActionsAsync(harness), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_NotFoundUnitFailed_QueuesResetFailedInsteadOfRestart()
    {
        await using var harness = await StartAsync("sysroot-usr.mount", "not-found", "Suggest");

        await RunCycleAndPlanAsync(harness);

        await using var db = harness.OpenDatabase();
        var approval = await db.Approvals.SingleAsync();
        Assert.Equal("reset_failed_unit", approval.ActionKind);
    }

    [Fact]
    public async Task Plan_SameIncidentNextCycle_PlansNothingAgain()
    {
        await using var harness = await StartAsync("nginx.service", "loaded", "Suggest");

        await RunCycleAndPlanAsync(harness);
        await RunCycleAndPlanAsync(harness);

        await using var db = harness.OpenDatabase();
        Assert.Single(await db.Approvals.ToListAsync());
        Assert.All(await db.Analyses.ToListAsync(), analysis => Assert.NotNull(analysis.PlannedAt));
    }

    [Fact]
    public async Task Plan_AutonomyPaused_RecordsOnlyAndRunsNothing()
    {
        await using var harness = await StartAsync("nginx.service", "loaded", "AutoFull");
        await harness.Get<AutonomySwitch>().PauseAsync("alice", "maintenance");

        await RunCycleAndPlanAsync(harness);

        Assert.DoesNotContain(Shell(harness).CommandsRun, command => command.Contains("restart", StringComparison.Ordinal));
        await using var db = harness.OpenDatabase();
        Assert.Empty(await db.Approvals.ToListAsync());
        var actions = await ReadActionsAsync(harness);
        Assert.Contains("recorded only: Autonomy is paused", actions, StringComparison.Ordinal);
        Assert.DoesNotContain("action.started", actions, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_PausedBeforeStart_RunsNothing()
    {
        // The planner logs its decision between deciding and starting; pausing from that log line
        // puts the pause exactly in the window between the two.
        var pauser = new PauseOnDecisionLoggerProvider();
        await using var harness = await StartAsync(
            "nginx.service", "loaded", "AutoSafe", configureServices: services => services.AddSingleton<ILoggerProvider>(pauser));
        pauser.Switch = harness.Get<AutonomySwitch>();

        await RunCycleAndPlanAsync(harness);

        Assert.True(pauser.Paused);
        Assert.DoesNotContain(Shell(harness).CommandsRun, command => command.Contains("restart", StringComparison.Ordinal));
        var actions = await ReadActionsAsync(harness);
        Assert.Contains("action.refused", actions, StringComparison.Ordinal);
        Assert.Contains("Autonomy was paused by alice after this action was decided", actions, StringComparison.Ordinal);
        Assert.DoesNotContain("action.started", actions, StringComparison.Ordinal);
    }

    private static async Task RunCycleAndPlanAsync(CycleHarness harness)
    {
        await harness.Get<HealthCycle>().RunAsync(CycleTrigger.Scheduled);
        var worker = harness.Provider.GetServices<IHostedService>().OfType<AnalysisWorker>().Single();
        await worker.RunQueuedAsync(CancellationToken.None);
    }

    private static ReplayShell Shell(CycleHarness harness) => (ReplayShell)harness.Get<Macha.Core.Hosts.IHostInventory>().GetHosts()[0];

    private static async Task<string> ReadActionsAsync(CycleHarness harness)
    {
        var path = Path.Combine(harness.DataDirectory, "actions.jsonl");
        return File.Exists(path) ? await File.ReadAllTextAsync(path) : string.Empty;
    }

    private static string PreviewStatus(string unit) => $"systemctl status --no-pager --full --lines=20 -- {unit}";

    private static string PreviewShow(string unit) =>
        $"systemctl show --property=Id,Description,LoadState,ActiveState,SubState,Result,MainPID,NRestarts,StateChangeTimestamp,RequiredBy,BoundBy,ConsistsOf,TriggeredBy -- {unit}";

    private static Task<CycleHarness> StartAsync(
        string unit,
        string load,
        string autonomyLevel,
        Dictionary<string, string?>? extraSettings = null,
        Action<IServiceCollection>? configureServices = null,
        bool recordPreview = true)
    {
        var shell = new ReplayShell("test-host")
            .WithCommand($"sudo -n systemctl restart -- {unit}", "")
            .WithCommand($"systemctl is-active -- {unit}", "active\n");
        if (recordPreview)
        {
            shell
                .WithCommand(PreviewStatus(unit), $"× {unit} - stand-in\n     Active: failed (Result: exit-code)\n", exitCode: 3)
                .WithCommand(PreviewShow(unit), $"Id={unit}\nActiveState=failed\nConsistsOf=nginx-reload.service\n");
        }

        return CycleHarness.StartAsync(
            [new FailedUnitCollector(unit, load)],
            [shell],
            new Dictionary<string, string?>(extraSettings ?? [])
            {
                ["Macha:Actions:AutonomyLevel"] = autonomyLevel,
                ["Macha:Actions:RestartSettleTime"] = "00:00:00",
            },
            configureServices);
    }

    /// <summary>Pauses autonomy, as alice, when the planner logs a decision to run an action.</summary>
    private sealed class PauseOnDecisionLoggerProvider : ILoggerProvider, ILogger
    {
        public AutonomySwitch? Switch { get; set; }

        public bool Paused { get; private set; }

        public ILogger CreateLogger(string categoryName) =>
            categoryName == typeof(ActionPlanner).FullName ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (Switch is not null && !Paused && formatter(state, exception).Contains(": Execute (", StringComparison.Ordinal))
            {
                // A logger cannot await; the test's pause has to be stored before the planner goes on.
                Switch.PauseAsync("alice", "pause in the window").GetAwaiter().GetResult();
                Paused = true;
            }
        }

        public void Dispose()
        {
        }
    }

    /// <summary>Reports one failed unit, as the systemd collector would.</summary>
    private sealed class FailedUnitCollector(string unit, string load) : ICollector
    {
        public string Name => "systemd";

        public Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
        {
            context.Snapshot.Systemd = new SystemdSection([new UnitState(unit, load, "failed", "failed", null)], "degraded");
            return Task.FromResult(CollectorOutcome.Ok());
        }
    }
}
