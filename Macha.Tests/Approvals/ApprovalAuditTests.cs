using System.Text.Json;
using Macha.Core.Approvals;
using Macha.Core.Storage.Audit;
using Macha.Tests.Cycle;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Approvals;

/// <summary>The approval.approved, approval.rejected and approval.expired lines in actions.jsonl.</summary>
public sealed class ApprovalAuditTests
{
    private readonly FakeTimeProvider _time = new(ApprovalTestData.Start);

    [Fact]
    public async Task Approve_Pending_WritesApprovedLine()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());
        _time.Advance(TimeSpan.FromMinutes(7));

        await queue.ApproveAsync(queued.Approval.Id, "alice", "Go ahead.");

        var line = Assert.Single(await ReadApprovalLinesAsync(harness));
        Assert.Equal(AuditEventTypes.ApprovalApproved, line.Type);
        Assert.Equal("alice", line.Actor);
        Assert.Equal("test-host", line.Host);
        Assert.Equal(ApprovalTestData.Request().IncidentId, line.IncidentId);
        Assert.Equal(ApprovalTestData.Start.AddMinutes(7), line.At);
        Assert.Equal(queued.Approval.Id, line.Data.GetProperty("approval_id").GetGuid());
        Assert.Equal("restart-unit", line.Data.GetProperty("kind").GetString());
        Assert.Equal("Low", line.Data.GetProperty("risk").GetString());
        Assert.Equal("Approved", line.Data.GetProperty("state").GetString());
        Assert.Equal("Go ahead.", line.Data.GetProperty("comment").GetString());
        Assert.Equal(ApprovalTestData.Start.AddMinutes(7), line.Data.GetProperty("decided_at").GetDateTimeOffset());
        Assert.Equal(ApprovalTestData.Start, line.Data.GetProperty("created_at").GetDateTimeOffset());
        Assert.Equal(
            new[] { "sudo", "-n", "systemctl", "restart", "nginx.service" },
            line.Data.GetProperty("argv").EnumerateArray().Select(e => e.GetString()!).ToArray());
    }

    [Fact]
    public async Task Reject_Pending_WritesRejectedLineWithComment()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());
        _time.Advance(TimeSpan.FromMinutes(2));

        await queue.RejectAsync(queued.Approval.Id, ApprovalActors.ApiToken("ci-7"), "Restarting will not fix the configuration.");

        var line = Assert.Single(await ReadApprovalLinesAsync(harness));
        Assert.Equal(AuditEventTypes.ApprovalRejected, line.Type);
        Assert.Equal("token:ci-7", line.Actor);
        Assert.Equal(queued.Approval.Id, line.Data.GetProperty("approval_id").GetGuid());
        Assert.Equal("Rejected", line.Data.GetProperty("state").GetString());
        Assert.Equal("Restarting will not fix the configuration.", line.Data.GetProperty("comment").GetString());
        Assert.Equal(ApprovalTestData.Start.AddMinutes(2), line.Data.GetProperty("decided_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task Reject_WithoutComment_WritesNullComment()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());

        await queue.RejectAsync(queued.Approval.Id, "alice");

        var line = Assert.Single(await ReadApprovalLinesAsync(harness));
        Assert.Equal(JsonValueKind.Null, line.Data.GetProperty("comment").ValueKind);
    }

    [Fact]
    public async Task Reject_CommentWithPassword_IsRedacted()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());

        await queue.RejectAsync(queued.Approval.Id, "alice", "Log in with password=hunter2hunter2 and look first.");

        var text = await File.ReadAllTextAsync(ActionsPath(harness));
        Assert.DoesNotContain("hunter2hunter2", text, StringComparison.Ordinal);
        var line = Assert.Single(await ReadApprovalLinesAsync(harness));
        Assert.Contains("***", line.Data.GetProperty("comment").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpireDue_PastTimeToLive_WritesExpiredLine()
    {
        var settings = new Dictionary<string, string?> { ["Macha:Approvals:TimeToLive"] = "01:00:00" };
        await using var harness = await ApprovalTestData.StartAsync(_time, settings);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());
        _time.Advance(TimeSpan.FromHours(1));

        await queue.ExpireDueAsync();

        var line = Assert.Single(await ReadApprovalLinesAsync(harness));
        Assert.Equal(AuditEventTypes.ApprovalExpired, line.Type);
        Assert.Equal(ApprovalActors.Macha, line.Actor);
        Assert.Equal(queued.Approval.Id, line.Data.GetProperty("approval_id").GetGuid());
        Assert.Equal("Expired", line.Data.GetProperty("state").GetString());
        Assert.Equal("Nobody decided before the approval expired.", line.Data.GetProperty("comment").GetString());
        Assert.Equal(ApprovalTestData.Start.AddHours(1), line.Data.GetProperty("decided_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task Approve_PastTimeToLive_WritesOnlyExpired()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());
        _time.Advance(TimeSpan.FromHours(24));

        await queue.ApproveAsync(queued.Approval.Id, "alice");

        var line = Assert.Single(await ReadApprovalLinesAsync(harness));
        Assert.Equal(AuditEventTypes.ApprovalExpired, line.Type);
        Assert.Equal(ApprovalActors.Macha, line.Actor);
    }

    [Fact]
    public async Task Approve_ConcurrentCallers_WritesOneApprovedLine()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => queue.ApproveAsync(queued.Approval.Id, $"user-{i}"))));

        var line = Assert.Single(await ReadApprovalLinesAsync(harness));
        Assert.Equal((await queue.GetAsync(queued.Approval.Id))!.DecidedBy, line.Actor);
    }

    [Fact]
    public async Task Reject_AlreadyApproved_WritesNoRejectedLine()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var queued = await queue.EnqueueAsync(ApprovalTestData.Request());
        await queue.ApproveAsync(queued.Approval.Id, "alice");

        await queue.RejectAsync(queued.Approval.Id, "bob", "Too late.");

        var line = Assert.Single(await ReadApprovalLinesAsync(harness));
        Assert.Equal(AuditEventTypes.ApprovalApproved, line.Type);
    }

    [Fact]
    public async Task DecisionLines_KeepTheChainIntact()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var queue = harness.Get<ApprovalQueue>();
        var first = await queue.EnqueueAsync(ApprovalTestData.Request("a"));
        var second = await queue.EnqueueAsync(ApprovalTestData.Request("b"));
        await queue.ApproveAsync(first.Approval.Id, "alice");
        await queue.RejectAsync(second.Approval.Id, "bob");

        var verification = await AuditVerifier.VerifyAsync(ActionsPath(harness));

        Assert.True(verification.IsIntact, verification.FirstBreak?.Message);
        Assert.Equal(2, verification.LinesChecked);
    }

    private static string ActionsPath(CycleHarness harness) => Path.Combine(harness.DataDirectory, AuditLog.ActionsFileName);

    private static async Task<IReadOnlyList<AuditRecord>> ReadApprovalLinesAsync(CycleHarness harness) =>
        await AuditReader.ReadAsync(ActionsPath(harness), new AuditQuery { Type = "approval.", Limit = 100 });
}
