using Bunit;
using Macha.Core.Approvals;
using Macha.Core.Discussions;
using Macha.Tests.Approvals;
using Macha.Tests.Fakes;
using Macha.Web.Components.Controls;
using Macha.Web.Security;

namespace Macha.Tests.Components;

/// <summary>The discussion panel with analysis disabled; the enabled cases talk to an Ollama stand-in below.</summary>
public sealed class DiscussionPanelTests : DashboardPageContext
{
    [Fact]
    public async Task Render_AnalysisDisabled_SaysSoInsteadOfAsking()
    {
        var id = (await Harness.Get<ApprovalQueue>().EnqueueAsync(ApprovalTestData.Request())).Approval.Id;

        var panel = Render<DiscussionPanel>(parameters => parameters.Add(p => p.Subject, DiscussionSubject.Approval).Add(p => p.SubjectId, id));

        panel.WaitForAssertion(() => Assert.Contains("Macha:Analysis:Enabled", panel.Find("[data-test=discussion-disabled]").TextContent, StringComparison.Ordinal));
        Assert.Empty(panel.FindAll("[data-test=discussion-ask]"));
        Assert.NotNull(panel.Find("[data-test=discussion-empty]"));
    }
}

public sealed class DiscussionPanelWithModelTests : DashboardPageContext
{
    private const string Model = "qwen3:8b";

    private FakeOllamaServer _ollama = default!;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Macha:Analysis:Enabled"] = "true",
        ["Macha:Analysis:OllamaUrl"] = _ollama.Uri.ToString(),
        ["Macha:Analysis:RequestTimeout"] = "00:00:20",
    };

    public override async Task InitializeAsync()
    {
        _ollama = await FakeOllamaServer.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _ollama.DisposeAsync();
    }

    [Fact]
    public async Task Ask_ModelReplies_ShowsQuestionAndReply()
    {
        var id = await EnqueueAsync();
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "Restarting is safe here."));
        var panel = Render<DiscussionPanel>(parameters => parameters.Add(p => p.Subject, DiscussionSubject.Approval).Add(p => p.SubjectId, id));
        panel.WaitForAssertion(() => panel.Find("[data-test=discussion-ask]"));

        panel.Find("[data-test=discussion-input]").Change("Is it safe?");
        panel.Find("[data-test=discussion-ask]").Click();

        panel.WaitForAssertion(() => Assert.Equal(2, panel.FindAll("[data-test=discussion-message]").Count));
        var messages = panel.FindAll("[data-test=discussion-message]");
        Assert.Contains("Is it safe?", messages[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("alice", messages[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("Restarting is safe here.", messages[1].TextContent, StringComparison.Ordinal);
        Assert.Empty(panel.FindAll("[data-test=discussion-error]"));
    }

    [Fact]
    public async Task Ask_ModelFails_ShowsTheReasonAndKeepsTheQuestion()
    {
        var id = await EnqueueAsync();
        await _ollama.StopAsync();
        var panel = Render<DiscussionPanel>(parameters => parameters.Add(p => p.Subject, DiscussionSubject.Approval).Add(p => p.SubjectId, id));
        panel.WaitForAssertion(() => panel.Find("[data-test=discussion-ask]"));

        panel.Find("[data-test=discussion-input]").Change("Is it safe?");
        panel.Find("[data-test=discussion-ask]").Click();

        panel.WaitForAssertion(() => Assert.Contains("could not", panel.Find("[data-test=discussion-error]").TextContent, StringComparison.Ordinal));
        Assert.Equal("Is it safe?", panel.Find("[data-test=discussion-input]").GetAttribute("value") ?? panel.Find("[data-test=discussion-input]").TextContent);
        Assert.Empty(panel.FindAll("[data-test=discussion-message]"));
    }

    [Fact]
    public async Task Render_ReadOnlyUser_CannotAsk()
    {
        SignIn("viewer", MachaPolicies.Read);
        var id = await EnqueueAsync();

        var panel = Render<DiscussionPanel>(parameters => parameters.Add(p => p.Subject, DiscussionSubject.Approval).Add(p => p.SubjectId, id));

        panel.WaitForAssertion(() => panel.Find("[data-test=discussion-read-only]"));
        Assert.Empty(panel.FindAll("[data-test=discussion-ask]"));
    }

    private async Task<Guid> EnqueueAsync() =>
        (await Harness.Get<ApprovalQueue>().EnqueueAsync(ApprovalTestData.Request())).Approval.Id;
}
