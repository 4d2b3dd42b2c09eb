using Bunit;
using Macha.Web.Components.Controls;

namespace Macha.Tests.Components;

public sealed class MetricChartTests : MachaBunitContext
{
    private static readonly DateTimeOffset From = new(2026, 12, 4, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Render_NoValues_ShowsEmptyState()
    {
        var chart = Render(From, [new ChartPoint(From.AddMinutes(5), null)]);

        Assert.NotNull(chart.Find("[data-test=chart-empty]"));
        Assert.Empty(chart.FindAll("polyline"));
    }

    [Fact]
    public void Render_GapLongerThanMaxGap_BreaksTheLine()
    {
        var chart = Render(From,
        [
            new ChartPoint(From.AddMinutes(5), 10),
            new ChartPoint(From.AddMinutes(10), 20),
            new ChartPoint(From.AddHours(3), 30),
            new ChartPoint(From.AddHours(3).AddMinutes(5), 40),
        ]);

        Assert.Equal(2, chart.FindAll("polyline").Count);
        Assert.Contains("latest 40%", chart.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_NullValue_BreaksTheLine()
    {
        var chart = Render(From,
        [
            new ChartPoint(From.AddMinutes(5), 10),
            new ChartPoint(From.AddMinutes(10), null),
            new ChartPoint(From.AddMinutes(15), 30),
        ]);

        Assert.Empty(chart.FindAll("polyline"));
        Assert.Equal(2, chart.FindAll("circle").Count);
    }

    [Fact]
    public void Render_FixedMax_PlacesValuesOnTheScale()
    {
        var chart = Render(From, [new ChartPoint(From, 0), new ChartPoint(From.AddHours(24), 100)], maxGap: TimeSpan.FromDays(1));

        // The SVG is 600 by 120: 0% at the bottom left, 100% at the top right.
        Assert.Equal("0,120 600,0", chart.Find("polyline").GetAttribute("points"));
    }

    private IRenderedComponent<MetricChart> Render(DateTimeOffset from, IReadOnlyList<ChartPoint> points, TimeSpan? maxGap = null) =>
        Render<MetricChart>(parameters => parameters
            .Add(p => p.MaxGap, maxGap ?? TimeSpan.FromMinutes(20))
            .Add(p => p.Name, "memory")
            .Add(p => p.Title, "Memory")
            .Add(p => p.Unit, "%")
            .Add(p => p.FixedMax, 100)
            .Add(p => p.Points, points)
            .Add(p => p.From, from)
            .Add(p => p.To, from.AddHours(24)));
}
