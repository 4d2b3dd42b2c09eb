using Bunit;
using Macha.Core.Analysis;
using Macha.Web.Components.Controls;

namespace Macha.Tests.Components;

public sealed class ModelQueuePanelTests : MachaBunitContext
{
    [Fact]
    public void Render_RequestRunningAndWaiting_ShowsCountsAndTheRunningRequest()
    {
        var now = new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
        var state = new ModelQueueState(
            1,
            [new ModelRequestInfo(7, ModelRequestPriority.Incident, "analyse DiskSpace / on web-1", now, now)],
            [new ModelRequestInfo(8, ModelRequestPriority.Background, "summarise logs", now, null)],
            CompletedCount: 12,
            FailedCount: 2,
            CancelledCount: 1);

        var panel = Render<ModelQueuePanel>(parameters => parameters.Add(p => p.State, state));

        var text = panel.Find("[data-test=model-queue]").TextContent;
        Assert.Contains("1 running, 1 waiting", text, StringComparison.Ordinal);
        Assert.Contains("12 completed, 2 failed", text, StringComparison.Ordinal);
        Assert.Contains("analyse DiskSpace / on web-1 (Incident)", text, StringComparison.Ordinal);
    }
}
