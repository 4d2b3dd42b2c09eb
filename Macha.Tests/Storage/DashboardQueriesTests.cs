using Macha.Core.Storage;
using Macha.Tests.Approvals;
using Macha.Tests.Components;

namespace Macha.Tests.Storage;

public sealed class DashboardQueriesTests
{
    private static readonly DateTimeOffset From = ApprovalTestData.Start;

    [Fact]
    public async Task GetMetricSeries_MorePointsThanBuckets_AveragesEachBucket()
    {
        await using var harness = await ApprovalTestData.StartAsync();
        await using (var db = harness.OpenDatabase())
        {
            // Four snapshots in the first hour and two in the second; two buckets of an hour each.
            foreach (var (minutes, memory) in new[] { (0, 10.0), (15, 20.0), (30, 30.0), (45, 40.0), (70, 50.0), (80, 70.0) })
            {
                db.HostMetrics.Add(new HostMetricRecord { HostName = "web-1", TakenAt = From.AddMinutes(minutes), MemoryPercent = memory });
            }

            db.HostMetrics.Add(new HostMetricRecord { HostName = "db-1", TakenAt = From.AddMinutes(5), MemoryPercent = 99 });
            await db.SaveChangesAsync();
        }

        var points = await harness.Get<DashboardQueries>().GetMetricSeriesAsync("web-1", From, From.AddHours(2), maxPoints: 2);

        Assert.Equal(2, points.Count);
        Assert.Equal(25.0, points[0].MemoryPercent);
        Assert.Equal(60.0, points[1].MemoryPercent);
        Assert.Null(points[0].CpuPercent);
        Assert.Equal(From.AddMinutes(30), points[0].At);
    }

    [Fact]
    public async Task GetMetricSeries_EmptyBucket_IsLeftOut()
    {
        await using var harness = await ApprovalTestData.StartAsync();
        await DashboardTestData.AddMetricsAsync(harness, "web-1", From, 1, TimeSpan.FromMinutes(5), memoryPercent: 10);
        await DashboardTestData.AddMetricsAsync(harness, "web-1", From.AddHours(5), 1, TimeSpan.FromMinutes(5), memoryPercent: 20);

        var points = await harness.Get<DashboardQueries>().GetMetricSeriesAsync("web-1", From, From.AddHours(6), maxPoints: 6);

        Assert.Equal(2, points.Count);
    }

    [Fact]
    public async Task Cycle_StoresHeadlineMetrics()
    {
        await using var harness = await ApprovalTestData.StartAsync();

        await harness.Get<Macha.Core.Cycle.HealthCycle>().RunAsync(CycleTrigger.Manual);

        await using var db = harness.OpenDatabase();
        var metric = Assert.Single(db.HostMetrics);
        Assert.Equal("test-host", metric.HostName);
        Assert.Equal(50.0, metric.MemoryPercent);
    }
}
