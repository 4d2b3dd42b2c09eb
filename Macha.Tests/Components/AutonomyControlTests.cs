using Bunit;
using Macha.Core.Actions.Autonomy;
using Macha.Tests.Approvals;
using Macha.Tests.Cycle;
using Macha.Web.Components.Controls;
using Macha.Web.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Components;

public sealed class AutonomyControlTests : MachaBunitContext
{
    private CycleHarness _harness = default!;

    public override async Task InitializeAsync()
    {
        _harness = await ApprovalTestData.StartAsync(settings: new Dictionary<string, string?> { ["Macha:Actions:AutonomyLevel"] = "AutoSafe" });
        Services.AddSingleton(_harness.Get<AutonomySwitch>());
        Services.AddSingleton(_harness.Get<AutonomyEvents>());
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _harness.DisposeAsync();
    }

    [Fact]
    public void Render_NotPaused_ShowsPauseButton()
    {
        var control = Render<AutonomyControl>();

        control.WaitForAssertion(() => Assert.Contains("Autonomy: AutoSafe", control.Find("[data-test=autonomy-level]").TextContent, StringComparison.Ordinal));
        Assert.NotNull(control.Find("[data-test=autonomy-pause]"));
        Assert.Empty(control.FindAll("[data-test=autonomy-paused]"));
    }

    [Fact]
    public async Task PauseClick_WithReason_StoresPause()
    {
        var control = Render<AutonomyControl>();
        control.WaitForAssertion(() => control.Find("[data-test=autonomy-pause]"));

        control.Find("input[data-test=autonomy-reason]").Input("kernel upgrade");
        control.Find("[data-test=autonomy-pause]").Click();

        control.WaitForAssertion(() => Assert.Contains("Autonomy: Observe", control.Find("[data-test=autonomy-level]").TextContent, StringComparison.Ordinal));
        var pausedText = control.Find("[data-test=autonomy-paused]").TextContent;
        Assert.Contains("paused by alice", pausedText, StringComparison.Ordinal);
        Assert.Contains("kernel upgrade", pausedText, StringComparison.Ordinal);
        Assert.Contains("configured AutoSafe", pausedText, StringComparison.Ordinal);
        var stored = await _harness.Get<AutonomySwitch>().GetStateAsync();
        Assert.True(stored.Paused);
        Assert.Equal("kernel upgrade", stored.Reason);
        Assert.Equal("alice", stored.PausedBy);
    }

    [Fact]
    public async Task PauseClick_ReadOnlyUser_ChangesNothing()
    {
        Authorization.SetPolicies(MachaPolicies.Read);
        var control = Render<AutonomyControl>();
        control.WaitForAssertion(() => control.Find("[data-test=autonomy-pause]"));

        control.Find("[data-test=autonomy-pause]").Click();

        control.WaitForAssertion(() => Assert.Contains("operate scope", control.Markup, StringComparison.Ordinal));
        Assert.False((await _harness.Get<AutonomySwitch>().GetStateAsync()).Paused);
    }

    [Fact]
    public async Task ResumeClick_Paused_ResumesAtConfiguredLevel()
    {
        await _harness.Get<AutonomySwitch>().PauseAsync("alice", null);
        var control = Render<AutonomyControl>();
        control.WaitForAssertion(() => control.Find("[data-test=autonomy-resume]"));

        control.Find("[data-test=autonomy-resume]").Click();

        control.WaitForAssertion(() => Assert.Contains("Autonomy: AutoSafe", control.Find("[data-test=autonomy-level]").TextContent, StringComparison.Ordinal));
        Assert.False((await _harness.Get<AutonomySwitch>().GetStateAsync()).Paused);
    }

    [Fact]
    public async Task PausedElsewhere_UpdatesWithoutReload()
    {
        var control = Render<AutonomyControl>();
        control.WaitForAssertion(() => control.Find("[data-test=autonomy-pause]"));
        var events = _harness.Get<AutonomyEvents>();
        control.WaitForState(() => events.SubscriberCount > 0);

        await _harness.Get<AutonomySwitch>().PauseAsync("api", "from the CLI");

        control.WaitForAssertion(() => Assert.Contains("paused by api", control.Find("[data-test=autonomy-paused]").TextContent, StringComparison.Ordinal));
        Assert.NotNull(control.Find("[data-test=autonomy-resume]"));
    }
}
