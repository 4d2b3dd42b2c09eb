using Bunit;
using Macha.Core.Approvals;
using Macha.Core.Incidents;
using Macha.Core.Storage.Audit;
using Macha.Tests.Approvals;
using Macha.Web.Components.Pages;
using IncidentsPage = Macha.Web.Components.Pages.Incidents;
using Microsoft.EntityFrameworkCore;

namespace Macha.Tests.Components;

public sealed class IncidentPagesTests : DashboardPageContext
{
    [Fact]
    public void Incidents_NoIncidents_ShowsEmptyState()
    {
        var page = Render<IncidentsPage>();

        page.WaitForAssertion(() => Assert.Contains("No incident matches", page.Find("[data-test=empty]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Incidents_Default_ListsOnlyOpenAndOngoing()
    {
        await DashboardTestData.AddIncidentAsync(Harness, Time.GetUtcNow(), subject: "nginx.service");
        await DashboardTestData.AddIncidentAsync(Harness, Time.GetUtcNow(), subject: "old.service", state: IncidentState.Resolved);

        var page = Render<IncidentsPage>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-test=incident-row]")));
        Assert.Contains("nginx.service", page.Find("[data-test=incidents]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Incidents_SeverityAndStateFilters_ApplyTogether()
    {
        await DashboardTestData.AddIncidentAsync(Harness, Time.GetUtcNow(), severity: "Critical", subject: "a.service");
        await DashboardTestData.AddIncidentAsync(Harness, Time.GetUtcNow(), severity: "Warning", subject: "b.service");
        await DashboardTestData.AddIncidentAsync(Harness, Time.GetUtcNow(), severity: "Critical", subject: "c.service", state: IncidentState.Resolved);

        NavigateTo("/incidents?severity=Critical&state=any");

        var page = Render<IncidentsPage>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-test=incident-row]").Count));
        Assert.DoesNotContain("b.service", page.Find("[data-test=incidents]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Incidents_HostAndSinceFilters_LeaveOutOthers()
    {
        await DashboardTestData.AddIncidentAsync(Harness, Time.GetUtcNow() - TimeSpan.FromDays(2), hostName: "web-1", subject: "old.service");
        await DashboardTestData.AddIncidentAsync(Harness, Time.GetUtcNow(), hostName: "web-1", subject: "new.service");
        await DashboardTestData.AddIncidentAsync(Harness, Time.GetUtcNow(), hostName: "db-1", subject: "db.service");

        NavigateTo("/incidents?host=web-1&since=24h");

        var page = Render<IncidentsPage>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-test=incident-row]")));
        Assert.Contains("new.service", page.Find("[data-test=incidents]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Incidents_DatabaseUnreadable_ShowsErrorWithRetry()
    {
        await using (var db = Harness.OpenDatabase())
        {
            await db.Database.ExecuteSqlRawAsync("DROP TABLE Incidents;");
        }

        var page = Render<IncidentsPage>();

        page.WaitForAssertion(() => Assert.Contains("Could not load the incidents", page.Find("[data-test=load-error]").TextContent, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1h", 1.0)]
    [InlineData("24h", 24.0)]
    [InlineData("7d", 168.0)]
    [InlineData("any", null)]
    [InlineData("bogus", null)]
    public void ParseSince_Values_ReturnTheAge(string value, double? hours)
    {
        Assert.Equal(hours is null ? null : (TimeSpan?)TimeSpan.FromHours(hours.Value), IncidentsPage.ParseSince(value));
    }

    [Fact]
    public void IncidentDetail_UnknownId_ShowsNotFound()
    {
        var page = Render<IncidentDetail>(parameters => parameters.Add(p => p.Id, Guid.NewGuid()));

        page.WaitForAssertion(() => page.Find("[data-test=not-found]"));
    }

    [Fact]
    public async Task IncidentDetail_Analysed_ShowsEvidenceDecisionToolCallsAndActions()
    {
        var incident = await DashboardTestData.AddIncidentAsync(Harness, Time.GetUtcNow());
        await DashboardTestData.AddAnalysisAsync(Harness, incident, Time.GetUtcNow());
        var approval = await Harness.Get<ApprovalQueue>().EnqueueAsync(ApprovalTestData.Request() with { IncidentId = incident.Id });
        await Harness.Get<IAuditLog>().AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ActionQueued, "macha", "test-host", incident.Id));

        var page = Render<IncidentDetail>(parameters => parameters.Add(p => p.Id, incident.Id));

        page.WaitForAssertion(() => page.Find("[data-test=decision]"));
        Assert.Contains("Result=exit-code", page.Find("[data-test=evidence]").TextContent, StringComparison.Ordinal);
        Assert.Contains("bind() to 0.0.0.0:80", page.Find("[data-test=findings]").TextContent, StringComparison.Ordinal);
        Assert.Contains("Another process listens on port 80.", page.Find("[data-test=decision]").TextContent, StringComparison.Ordinal);
        Assert.Contains("unit_status", page.Find("[data-test=tool-calls]").TextContent, StringComparison.Ordinal);
        Assert.Contains("restart-unit", page.Find("[data-test=incident-approvals]").TextContent, StringComparison.Ordinal);
        Assert.Contains(approval.Approval.Id.ToString(), page.Find("[data-test=incident-approvals] a").GetAttribute("href"), StringComparison.Ordinal);
        Assert.Contains(AuditEventTypes.ActionQueued, page.Find("[data-test=audit-lines]").TextContent, StringComparison.Ordinal);
        Assert.NotNull(page.Find("[data-test=discussion]"));
    }

    [Fact]
    public async Task IncidentDetail_NotAnalysed_SaysSo()
    {
        var incident = await DashboardTestData.AddIncidentAsync(Harness, Time.GetUtcNow());

        var page = Render<IncidentDetail>(parameters => parameters.Add(p => p.Id, incident.Id));

        page.WaitForAssertion(() => page.Find("[data-test=no-analysis]"));
        Assert.NotNull(page.Find("[data-test=no-actions]"));
    }

    [Fact]
    public async Task IncidentDetail_UnreadableToolCalls_ShowsTheRestOfTheAnalysis()
    {
        var incident = await DashboardTestData.AddIncidentAsync(Harness, Time.GetUtcNow());
        await DashboardTestData.AddAnalysisAsync(Harness, incident, Time.GetUtcNow());
        await using (var db = Harness.OpenDatabase())
        {
            await db.Analyses.ExecuteUpdateAsync(s => s.SetProperty(a => a.ToolCallsJson, "not json"));
        }

        var page = Render<IncidentDetail>(parameters => parameters.Add(p => p.Id, incident.Id));

        page.WaitForAssertion(() => page.Find("[data-test=decision]"));
        Assert.Empty(page.FindAll("[data-test=tool-calls]"));
    }
}
