using Bunit;
using Macha.Core.Approvals;
using Macha.Core.Dependencies;
using Macha.Tests.Approvals;
using Macha.Web.Components;
using Macha.Web.Components.Controls;
using Macha.Web.Components.Pages;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Components;

public sealed class SettingsAndStatusTests : DashboardPageContext
{
    private const string GotifyToken = "AqZ1-gotify-app-token";
    private const string UrlPassword = "hunter22";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Macha:Gotify:AppToken"] = GotifyToken,
        ["Macha:Auth:Users:0:PasswordHash"] = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA",
        ["Macha:Analysis:OllamaUrl"] = $"http://macha:{UrlPassword}@127.0.0.1:11434/",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings).Build();
        Services.AddSingleton<IConfiguration>(configuration);
    }

    [Fact]
    public void Settings_SecretValues_AreMaskedAndKeysKept()
    {
        var page = Render<Settings>();

        var markup = page.Markup;
        Assert.DoesNotContain(GotifyToken, markup, StringComparison.Ordinal);
        Assert.DoesNotContain("argon2id", markup, StringComparison.Ordinal);
        Assert.DoesNotContain(UrlPassword, markup, StringComparison.Ordinal);
        var token = page.Find("[data-key='Macha:Gotify:AppToken']");
        Assert.Contains(EffectiveConfiguration.Masked, token.TextContent, StringComparison.Ordinal);
        Assert.Contains("configured", token.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_Defaults_ShowEffectiveValues()
    {
        var page = Render<Settings>();

        var interval = page.Find("[data-key='Macha:CheckInterval']");
        Assert.Contains("00:05:00", interval.TextContent, StringComparison.Ordinal);
        Assert.Contains("default", interval.TextContent, StringComparison.Ordinal);
        Assert.NotNull(page.Find("[data-key='Macha:Approvals:TimeToLive']"));
    }

    [Fact]
    public void Settings_Filter_NarrowsTheKeys()
    {
        var page = Render<Settings>();

        page.Find("[data-test=filter]").Input("TimeToLive");

        page.WaitForAssertion(() => Assert.All(page.FindAll("[data-test=setting]"), row => Assert.Contains("TimeToLive", row.GetAttribute("data-key"), StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("Macha:Gotify:AppToken", true)]
    [InlineData("Macha:Auth:Users:0:Password", true)]
    [InlineData("Macha:Auth:ClientSecret", true)]
    [InlineData("Macha:Hosts:web-1:PrivateKey", true)]
    [InlineData("Macha:Knowledge:Credentials", true)]
    [InlineData("Macha:Auth:Tokens:0", true)]
    [InlineData("Macha:Hosts:web-1:KeyFileContents", true)]
    [InlineData("Macha:Analysis:MaxPromptTokensPerCall", false)]
    [InlineData("Macha:CheckInterval", false)]
    [InlineData("Macha:Analysis:Model", false)]
    public void IsSecretKey_Names_MatchTheSecretSuffixes(string key, bool secret)
    {
        Assert.Equal(secret, EffectiveConfiguration.IsSecretKey(key));
    }

    [Fact]
    public void StatusPanel_NoSources_ShowsNotConfigured()
    {
        var panel = Render<StatusPanel>();

        panel.WaitForAssertion(() => Assert.Equal(4, panel.FindAll("[data-test=dependencies] li").Count));
        foreach (var name in DependencyNames.All)
        {
            Assert.Contains("not configured", panel.Find($"[data-test=dependency-{name}]").TextContent, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task StatusPanel_PendingApproval_LinksToIt()
    {
        var id = (await Harness.Get<ApprovalQueue>().EnqueueAsync(ApprovalTestData.Request())).Approval.Id;

        var panel = Render<StatusPanel>();

        panel.WaitForAssertion(() => Assert.Contains("1 waiting for approval", panel.Find("[data-test=pending-count]").TextContent, StringComparison.Ordinal));
        Assert.Contains(panel.FindAll("a"), link => link.GetAttribute("href") == $"/approvals/{id}");
    }

    [Fact]
    public async Task StatusPanel_ApprovalArrives_UpdatesTheCount()
    {
        var panel = Render<StatusPanel>();
        panel.WaitForAssertion(() => Assert.Contains("Nothing waits", panel.Find("[data-test=pending-count]").TextContent, StringComparison.Ordinal));

        await Harness.Get<ApprovalQueue>().EnqueueAsync(ApprovalTestData.Request());

        panel.WaitForAssertion(() => Assert.Contains("1 waiting", panel.Find("[data-test=pending-count]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task StatusPanel_Incident_ColoursTheHost()
    {
        await Harness.Get<Macha.Core.Cycle.HealthCycle>().RunAsync(Macha.Core.Storage.CycleTrigger.Manual);
        await DashboardTestData.AddIncidentAsync(Harness, Time.GetUtcNow(), severity: "Critical");

        var panel = Render<StatusPanel>();

        panel.WaitForAssertion(() => Assert.Contains("test-host: 1 open", panel.Find("[data-test=host-chip-test-host]").TextContent, StringComparison.Ordinal));
    }
}
