using System.Text.Json;
using Macha.Core.Actions.Execution;
using Macha.Core.Analysis.Decisions;
using Macha.Core.Approvals;
using Macha.Tests.Cycle;
using Macha.Tests.Fakes;
using Microsoft.EntityFrameworkCore;

namespace Macha.Tests.Approvals;

/// <summary>Approving and running approvals on a real SQLite database, with a replayed host.</summary>
public sealed class ApprovalRunnerTests
{
    private const string RestartLine = "sudo -n systemctl restart -- nginx.service";
    private const string IsActiveLine = "systemctl is-active -- nginx.service";
    private const string Actor = "alice";
    private const int ConcurrentCallers = 50;

    [Fact]
    public async Task ApproveAndRun_RestartThatVerifies_EndsSucceeded()
    {
        var shell = HealthyShell();
        await using var harness = await StartAsync(shell);
        var id = await EnqueueAsync(harness, Proposal("nginx.service"));

        var result = await harness.Get<ApprovalRunner>().ApproveAndRunAsync(id, Actor, "go ahead");

        Assert.Equal(ApprovalRunStatus.Ran, result.Status);
        Assert.Equal(ExecutionStatus.Succeeded, result.Execution?.Status);
        var stored = await harness.Get<ApprovalQueue>().GetAsync(id);
        Assert.Equal(ApprovalState.Succeeded, stored?.State);
        Assert.Equal(result.Execution?.Reason, stored?.Outcome);
        Assert.Equal(Actor, stored?.DecidedBy);
        Assert.Equal([RestartLine, IsActiveLine], shell.CommandsRun);
    }

    [Fact]
    public async Task ApproveAndRun_RestartThatVerifies_RecordsEveryTransition()
    {
        await using var harness = await StartAsync(HealthyShell());
        var id = await EnqueueAsync(harness, Proposal("nginx.service"));

        await harness.Get<ApprovalRunner>().ApproveAndRunAsync(id, Actor, "go ahead");

        var transitions = await harness.Get<ApprovalQueue>().GetTransitionsAsync(id);
        Assert.Equal(
            [ApprovalState.Pending, ApprovalState.Approved, ApprovalState.Running, ApprovalState.Succeeded],
            transitions.Select(t => t.To));
        Assert.Equal("go ahead", transitions[1].Comment);
    }

    [Fact]
    public async Task ApproveAndRun_ProposalDiffersFromApprovedCommand_EndsFailedWithoutRunning()
    {
        var shell = HealthyShell();
        await using var harness = await StartAsync(shell);
        var request = ApprovalTestData.Request("restart-unit:test-host:apache2.service") with
        {
            HostName = "test-host",
            Argv = ["sudo", "-n", "systemctl", "restart", "--", "apache2.service"],
            ProposalJson = JsonSerializer.Serialize(Proposal("nginx.service")),
        };
        var id = (await harness.Get<ApprovalQueue>().EnqueueAsync(request)).Approval.Id;

        await harness.Get<ApprovalRunner>().ApproveAndRunAsync(id, Actor, "go ahead");

        var stored = await harness.Get<ApprovalQueue>().GetAsync(id);
        Assert.Equal(ApprovalState.Failed, stored?.State);
        Assert.Contains("differs from the one approved", stored?.Outcome, StringComparison.Ordinal);
        Assert.Empty(shell.CommandsRun);
    }

    [Fact]
    public async Task ApproveAndRun_ProtectedUnit_EndsFailedWithoutRunning()
    {
        var shell = HealthyShell()
            .WithCommand("sudo -n systemctl restart -- sshd.service", "")
            .WithCommand("systemctl is-active -- sshd.service", "active\n");
        await using var harness = await StartAsync(shell);
        var id = await EnqueueAsync(harness, Proposal("sshd.service"));

        var result = await harness.Get<ApprovalRunner>().ApproveAndRunAsync(id, Actor, null);

        Assert.Equal(ApprovalRunStatus.Ran, result.Status);
        Assert.Null(result.Execution);
        Assert.Equal(ApprovalState.Failed, result.Approval?.State);
        Assert.Contains("sshd.service is a protected unit", result.Approval?.Outcome, StringComparison.Ordinal);
        Assert.Empty(shell.CommandsRun);
    }

    [Fact]
    public async Task ApproveAndRun_FiftyConcurrentCallers_RunsActionOnce()
    {
        var shell = HealthyShell();
        await using var harness = await StartAsync(shell);
        var id = await EnqueueAsync(harness, Proposal("nginx.service"));
        var runner = harness.Get<ApprovalRunner>();

        var results = await Task.WhenAll(Enumerable.Range(0, ConcurrentCallers)
            .Select(caller => Task.Run(() => runner.ApproveAndRunAsync(id, $"user-{caller}", null))));

        Assert.Equal(1, shell.CommandsRun.Count(line => line == RestartLine));
        Assert.Equal(1, results.Count(r => r.Status == ApprovalRunStatus.Ran));
        Assert.Equal(ConcurrentCallers - 1, results.Count(r => r.Status == ApprovalRunStatus.Conflict));
        Assert.Equal(ApprovalState.Succeeded, (await harness.Get<ApprovalQueue>().GetAsync(id))?.State);
    }

    [Fact]
    public async Task ApproveAndRun_SecondApprove_ReturnsConflict()
    {
        var shell = HealthyShell();
        await using var harness = await StartAsync(shell);
        var id = await EnqueueAsync(harness, Proposal("nginx.service"));
        var runner = harness.Get<ApprovalRunner>();
        await runner.ApproveAndRunAsync(id, Actor, null);

        var second = await runner.ApproveAndRunAsync(id, "bob", null);

        Assert.Equal(ApprovalRunStatus.Conflict, second.Status);
        Assert.Equal(ApprovalState.Succeeded, second.Approval?.State);
        Assert.Equal(1, shell.CommandsRun.Count(line => line == RestartLine));
    }

    [Fact]
    public async Task ApproveAndRun_TamperedProposal_EndsFailedWithoutRunning()
    {
        var shell = HealthyShell();
        await using var harness = await StartAsync(shell);
        var id = await EnqueueAsync(harness, Proposal("nginx.service"));
        await using (var db = harness.OpenDatabase())
        {
            var approval = await db.Approvals.SingleAsync(a => a.Id == id);
            approval.ProposalJson = JsonSerializer.Serialize(Proposal("nginx; reboot"));
            await db.SaveChangesAsync();
        }

        var result = await harness.Get<ApprovalRunner>().ApproveAndRunAsync(id, Actor, null);

        Assert.Equal(ApprovalState.Failed, result.Approval?.State);
        Assert.StartsWith("The stored proposal no longer validates", result.Approval?.Outcome, StringComparison.Ordinal);
        Assert.Empty(shell.CommandsRun);
    }

    [Fact]
    public async Task ApproveAndRun_ProposalNotJson_EndsFailedWithoutRunning()
    {
        var shell = HealthyShell();
        await using var harness = await StartAsync(shell);
        var id = await EnqueueAsync(harness, Proposal("nginx.service"));
        await using (var db = harness.OpenDatabase())
        {
            var approval = await db.Approvals.SingleAsync(a => a.Id == id);
            approval.ProposalJson = "{\"kind\": \"restart_unit\", \"unit\": ";
            await db.SaveChangesAsync();
        }

        var result = await harness.Get<ApprovalRunner>().ApproveAndRunAsync(id, Actor, null);

        Assert.Equal(ApprovalState.Failed, result.Approval?.State);
        Assert.Empty(shell.CommandsRun);
    }

    [Fact]
    public async Task ApproveAndRun_HostNotInInventory_EndsFailedWithoutRunning()
    {
        var shell = HealthyShell();
        await using var harness = await StartAsync(shell);
        var id = await EnqueueAsync(harness, Proposal("nginx.service"), hostName: "gone-host");

        var result = await harness.Get<ApprovalRunner>().ApproveAndRunAsync(id, Actor, null);

        Assert.Equal(ApprovalState.Failed, result.Approval?.State);
        Assert.Contains("gone-host is not in the inventory", result.Approval?.Outcome, StringComparison.Ordinal);
        Assert.Empty(shell.CommandsRun);
    }

    [Fact]
    public async Task ApproveAndRun_RestartFails_EndsFailedWithExecutorReason()
    {
        var shell = new ReplayShell("test-host")
            .WithCommand(RestartLine, "", exitCode: 1, standardError: "Job for nginx.service failed.");
        await using var harness = await StartAsync(shell);
        var id = await EnqueueAsync(harness, Proposal("nginx.service"));

        var result = await harness.Get<ApprovalRunner>().ApproveAndRunAsync(id, Actor, null);

        Assert.Equal(ExecutionStatus.Failed, result.Execution?.Status);
        Assert.Equal(ApprovalState.Failed, result.Approval?.State);
        Assert.Equal(result.Execution?.Reason, result.Approval?.Outcome);
    }

    [Fact]
    public async Task ApproveAndRun_UnknownId_ReturnsNotFound()
    {
        await using var harness = await StartAsync(HealthyShell());

        var result = await harness.Get<ApprovalRunner>().ApproveAndRunAsync(Guid.NewGuid(), Actor, null);

        Assert.Equal(ApprovalRunStatus.NotFound, result.Status);
    }

    private static ReplayShell HealthyShell() => new ReplayShell("test-host")
        .WithCommand(RestartLine, "")
        .WithCommand(IsActiveLine, "active\n");

    private static Task<CycleHarness> StartAsync(ReplayShell shell) =>
        CycleHarness.StartAsync(
            [new WorkingCollector()],
            hosts: [shell],
            settings: new Dictionary<string, string?> { ["Macha:Actions:RestartSettleTime"] = "00:00:00" });

    private static ProposedAction Proposal(string unit) => new()
    {
        Kind = ActionKinds.RestartUnit,
        Unit = unit,
        Reason = $"{unit} failed 3 minutes ago.",
        ExpectedEffect = $"{unit} is active again.",
        Undo = "None needed; a restart changes no configuration.",
    };

    private static async Task<Guid> EnqueueAsync(CycleHarness harness, ProposedAction proposal, string hostName = "test-host")
    {
        var request = ApprovalTestData.Request($"restart-unit:{hostName}:{proposal.Unit}") with
        {
            HostName = hostName,
            Argv = ["sudo", "-n", "systemctl", "restart", "--", proposal.Unit!],
            ProposalJson = JsonSerializer.Serialize(proposal),
        };
        return (await harness.Get<ApprovalQueue>().EnqueueAsync(request)).Approval.Id;
    }
}
