using Bunit;
using Macha.Core.Hosts;
using Macha.Core.Storage.Audit;
using Macha.Tests.Approvals;
using Macha.Web.Components.Pages;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Components;

public sealed class HostAndAuditPagesTests : DashboardPageContext
{
    [Fact]
    public async Task HostDetail_NoData_ShowsEmptyStates()
    {
        await AddHostAsync("web-1");

        var page = Render<HostDetail>(parameters => parameters.Add(p => p.Name, "web-1"));

        page.WaitForAssertion(() => page.Find("[data-test=no-snapshot]"));
        Assert.NotNull(page.Find("[data-test=chart-cpu] [data-test=chart-empty]"));
        Assert.NotNull(page.Find("[data-test=no-incidents]"));
        Assert.Empty(page.FindAll("[data-test=not-found]"));
    }

    [Fact]
    public void HostDetail_UnknownHost_ShowsNotFound()
    {
        var page = Render<HostDetail>(parameters => parameters.Add(p => p.Name, "nope"));

        page.WaitForAssertion(() => page.Find("[data-test=not-found]"));
        Assert.Contains("No host is named nope", page.Find("[data-test=not-found]").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-test=charts]"));
    }

    [Fact]
    public async Task HostDetail_RemovedHostWithHistory_ShowsHistory()
    {
        await DashboardTestData.AddIncidentAsync(Harness, Time.GetUtcNow(), hostName: "old-1", subject: "nginx.service");

        var page = Render<HostDetail>(parameters => parameters.Add(p => p.Name, "old-1"));

        page.WaitForAssertion(() => page.Find("[data-test=host-incidents]"));
        Assert.Empty(page.FindAll("[data-test=not-found]"));
    }

    [Fact]
    public async Task HostDetail_Metrics_DrawsEachChart()
    {
        await DashboardTestData.AddMetricsAsync(Harness, "web-1", Time.GetUtcNow() - TimeSpan.FromHours(2), 24, TimeSpan.FromMinutes(5), memoryPercent: 42);

        var page = Render<HostDetail>(parameters => parameters.Add(p => p.Name, "web-1"));

        page.WaitForAssertion(() => page.Find("[data-test=chart-memory] polyline"));
        foreach (var chart in new[] { "cpu", "memory", "load", "disk" })
        {
            Assert.NotNull(page.Find($"[data-test=chart-{chart}] polyline"));
        }

        Assert.Contains("latest 42%", page.Find("[data-test=chart-memory]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostDetail_SevenDays_ShowsOlderMetrics()
    {
        await AddHostAsync("web-1");
        await DashboardTestData.AddMetricsAsync(Harness, "web-1", Time.GetUtcNow() - TimeSpan.FromDays(3), 12, TimeSpan.FromMinutes(5), memoryPercent: 30);

        var day = Render<HostDetail>(parameters => parameters.Add(p => p.Name, "web-1"));
        day.WaitForAssertion(() => day.Find("[data-test=chart-memory] [data-test=chart-empty]"));
        NavigateTo("/hosts/web-1?range=7d");

        var week = Render<HostDetail>(parameters => parameters.Add(p => p.Name, "web-1"));

        week.WaitForAssertion(() => week.Find("[data-test=chart-memory] polyline"));
    }

    [Fact]
    public async Task HostDetail_Incidents_ListsThisHostsOnly()
    {
        await DashboardTestData.AddIncidentAsync(Harness, Time.GetUtcNow(), hostName: "web-1", subject: "nginx.service");
        await DashboardTestData.AddIncidentAsync(Harness, Time.GetUtcNow(), hostName: "db-1", subject: "postgresql.service");

        var page = Render<HostDetail>(parameters => parameters.Add(p => p.Name, "web-1"));

        page.WaitForAssertion(() => page.Find("[data-test=host-incidents]"));
        var text = page.Find("[data-test=host-incidents]").TextContent;
        Assert.Contains("nginx.service", text, StringComparison.Ordinal);
        Assert.DoesNotContain("postgresql.service", text, StringComparison.Ordinal);
    }

    [Fact]
    public void AuditTrail_NoFile_SaysNothingRecorded()
    {
        var page = Render<AuditTrail>();

        page.WaitForAssertion(() => page.Find("[data-test=chain-missing]"));
        Assert.NotNull(page.Find("[data-test=empty]"));
    }

    [Fact]
    public async Task AuditTrail_Actions_ShowsLinesAndIntactChain()
    {
        var audit = Harness.Get<IAuditLog>();
        await audit.AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ActionQueued, "macha", "web-1", null));
        await audit.AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ActionSucceeded, "alice", "web-1", null));

        var page = Render<AuditTrail>();

        page.WaitForAssertion(() => Assert.Contains("all 2 lines", page.Find("[data-test=chain-intact]").TextContent, StringComparison.Ordinal));
        var lines = page.FindAll("[data-test=audit-line]");
        Assert.Equal(2, lines.Count);
        Assert.Contains(AuditEventTypes.ActionSucceeded, lines[0].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditTrail_ApprovedAndRejected_ShowsBothDecisions()
    {
        var queue = Harness.Get<Macha.Core.Approvals.ApprovalQueue>();
        var approved = (await queue.EnqueueAsync(ApprovalTestData.Request("restart-unit:web-1:nginx.service"))).Approval.Id;
        var rejected = (await queue.EnqueueAsync(ApprovalTestData.Request("restart-unit:web-1:php-fpm.service"))).Approval.Id;
        await queue.ApproveAsync(approved, "alice", "go ahead");
        await queue.RejectAsync(rejected, "bob", "not during the sale");
        NavigateTo("/audit/actions?type=approval.");

        var page = Render<AuditTrail>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-test=audit-line]").Count));
        var lines = page.FindAll("[data-test=audit-line]").Select(line => line.TextContent).ToList();
        var approvedLine = Assert.Single(lines, line => line.Contains(AuditEventTypes.ApprovalApproved, StringComparison.Ordinal));
        var rejectedLine = Assert.Single(lines, line => line.Contains(AuditEventTypes.ApprovalRejected, StringComparison.Ordinal));
        Assert.Contains("alice", approvedLine, StringComparison.Ordinal);
        Assert.Contains("go ahead", approvedLine, StringComparison.Ordinal);
        Assert.Contains("bob", rejectedLine, StringComparison.Ordinal);
        Assert.Contains("not during the sale", rejectedLine, StringComparison.Ordinal);
        Assert.Contains("all 2 lines", page.Find("[data-test=chain-intact]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditTrail_EditedLine_ShowsBrokenChain()
    {
        var audit = Harness.Get<IAuditLog>();
        for (var i = 0; i < 3; i++)
        {
            await audit.AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ActionSucceeded, "macha", "web-1", null, new() { ["unit"] = "nginx.service" }));
        }

        var path = audit.GetPath(AuditFile.Actions);
        var text = await File.ReadAllLinesAsync(path);
        text[1] = text[1].Replace("nginx.service", "sshd.service", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(path, text);

        var page = Render<AuditTrail>();

        page.WaitForAssertion(() => Assert.Contains("broken at line 2", page.Find("[data-test=chain-broken]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AuditTrail_Decisions_ReadsTheDecisionsFile()
    {
        var audit = Harness.Get<IAuditLog>();
        await audit.AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ActionQueued, "macha", "web-1", null));
        Services.GetRequiredService<NavigationManager>().NavigateTo("/audit/decisions");

        var page = Render<AuditTrail>();

        page.WaitForAssertion(() => page.Find("[data-test=chain-missing]"));
        Assert.Contains("Decisions", page.Find("h1").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditTrail_Filters_LeaveOutOtherLines()
    {
        var audit = Harness.Get<IAuditLog>();
        await audit.AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ActionQueued, "macha", "web-1", null));
        await audit.AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ActionFailed, "macha", "db-1", null, new() { ["unit"] = "postgresql.service" }));
        await audit.AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ActionFailed, "macha", "web-1", null, new() { ["unit"] = "nginx.service" }));

        NavigateTo($"/audit/actions?host=web-1&type={AuditEventTypes.ActionFailed}");
        var byHost = Render<AuditTrail>();
        byHost.WaitForAssertion(() => Assert.Single(byHost.FindAll("[data-test=audit-line]")));
        Assert.Contains("web-1", byHost.Find("[data-test=audit-line]").TextContent, StringComparison.Ordinal);

        NavigateTo("/audit/actions?text=postgresql");
        var byText = Render<AuditTrail>();

        byText.WaitForAssertion(() => Assert.Single(byText.FindAll("[data-test=audit-line]")));
        Assert.Contains("db-1", byText.Find("[data-test=audit-line]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditTrail_NewLine_AppearsWithoutReload()
    {
        var page = Render<AuditTrail>();
        page.WaitForAssertion(() => page.Find("[data-test=empty]"));

        await Harness.Get<IAuditLog>().AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ActionQueued, "macha", "web-1", null));

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-test=audit-line]")));
    }

    private async Task AddHostAsync(string name) =>
        await Harness.Get<HostRegistry>().AddDiscoveredAsync([name], HostSource.Journal);
}
