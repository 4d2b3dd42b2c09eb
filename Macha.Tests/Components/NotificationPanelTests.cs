using Bunit;
using Macha.Core.Notifications;
using Macha.Web.Components.Controls;

namespace Macha.Tests.Components;

public sealed class NotificationPanelTests : MachaBunitContext
{
    private static readonly NotificationStatus Working = new(
        NotifierState.Ok,
        null,
        ApprovalLinks: true,
        LastSentAt: new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero),
        LastFailureAt: null,
        QueueLength: 2,
        Sent: 14,
        Failed: 0,
        Dropped: 1,
        Suppressed: 5,
        SkippedWhileMisconfigured: 0,
        Held: 0);

    [Fact]
    public void Render_Working_ShowsCountsAndEnabledButton()
    {
        var panel = Render<NotificationPanel>(parameters => parameters.Add(p => p.Status, Working));

        var text = panel.Find("[data-test=notification-state]").TextContent;
        Assert.Contains("Gotify OK; 14 sent", text, StringComparison.Ordinal);
        Assert.Contains("2 queued, 1 dropped, 5 repeats suppressed", text, StringComparison.Ordinal);
        Assert.False(panel.Find("[data-test=send-test-notification]").HasAttribute("disabled"));
        Assert.Empty(panel.FindAll("[data-test=notification-problem]"));
        Assert.Empty(panel.FindAll("[data-test=no-approval-links]"));
    }

    [Fact]
    public void Render_Misconfigured_ShowsTheReason()
    {
        var status = Working with { State = NotifierState.Misconfigured, Reason = "Gotify rejected the token with 401.", ApprovalLinks = false };

        var panel = Render<NotificationPanel>(parameters => parameters.Add(p => p.Status, status));

        Assert.Contains("Notifier misconfigured: Gotify rejected the token with 401.", panel.Find("[data-test=notification-problem]").TextContent, StringComparison.Ordinal);
        Assert.Contains("Macha:PublicUrl is not set", panel.Find("[data-test=no-approval-links]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_NotConfigured_DisablesTheButton()
    {
        var status = Working with { State = NotifierState.NotConfigured };

        var panel = Render<NotificationPanel>(parameters => parameters.Add(p => p.Status, status));

        Assert.Contains("off", panel.Find("[data-test=notification-state]").TextContent, StringComparison.Ordinal);
        Assert.True(panel.Find("[data-test=send-test-notification]").HasAttribute("disabled"));
    }

    [Fact]
    public void SendTest_Click_InvokesTheCallback()
    {
        var clicks = 0;
        var panel = Render<NotificationPanel>(parameters => parameters
            .Add(p => p.Status, Working)
            .Add(p => p.TestResult, "Test notification sent.")
            .Add(p => p.OnSendTest, () => clicks++));

        panel.Find("[data-test=send-test-notification]").Click();

        Assert.Equal(1, clicks);
        Assert.Equal("Test notification sent.", panel.Find("[data-test=test-notification-result]").TextContent);
    }
}
