using System.Globalization;
using Bunit;
using Macha.Tests.Approvals;
using Macha.Web.Components;
using Macha.Web.Components.Layout;
using Macha.Web.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ApprovalsPage = Macha.Web.Components.Pages.Approvals;

namespace Macha.Tests.Components;

/// <summary>The dashboard shows every time in UTC, labelled, whatever the offset it was stored with.</summary>
public sealed class TimeDisplayTests : DashboardPageContext
{
    [Theory]
    [InlineData("2026-12-04T14:30:05+02:00", "2026-12-04 12:30:05 UTC")]
    [InlineData("2026-12-04T01:15:00-08:00", "2026-12-04 09:15:00 UTC")]
    [InlineData("2026-12-31T23:59:59+00:00", "2026-12-31 23:59:59 UTC")]
    [InlineData("2027-01-01T05:00:00+05:30", "2026-12-31 23:30:00 UTC")]
    public void Time_AnyOffset_ShowsUtc(string moment, string expected)
    {
        var time = DateTimeOffset.Parse(moment, CultureInfo.InvariantCulture);

        Assert.Equal(expected, Formatting.Time(time));
    }

    [Fact]
    public async Task ApprovalPage_History_ShowsUtcTimes()
    {
        var id = (await Harness.Get<Macha.Core.Approvals.ApprovalQueue>().EnqueueAsync(ApprovalTestData.Request())).Approval.Id;

        var page = Render<ApprovalsPage>(parameters => parameters.Add(p => p.Id, id));

        page.WaitForAssertion(() => Assert.Contains("2026-12-04 12:00:00 UTC", page.Find("[data-test=history]").TextContent, StringComparison.Ordinal));
        Assert.Equal("2026-12-05 12:00:00 UTC", page.Find($"[data-test=approval-{id}] [data-test=expiry]").GetAttribute("title"));
    }
}

/// <summary>The layout around every page: its time-zone label.</summary>
public sealed class MainLayoutTests : MachaBunitContext
{
    [Fact]
    public void Layout_EveryPage_SaysTimesAreUtc()
    {
        Services.AddSingleton(AccessMode.Decide(new ConfigurationBuilder().Build()));
        Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));

        var layout = Render<MainLayout>(parameters => parameters.Add(p => p.Body, builder => builder.AddMarkupContent(0, "<h1>Page</h1>")));

        Assert.Equal("All times are in UTC.", layout.Find("[data-test=time-zone]").TextContent.Trim());
    }
}
