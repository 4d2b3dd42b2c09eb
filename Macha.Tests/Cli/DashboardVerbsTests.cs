using System.Text.Json;
using Macha.Core.Incidents;
using Macha.Core.Storage;
using Macha.Web.Cli;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Cli;

/// <summary>
/// The verbs for what the dashboard shows besides approvals (incidents, notifications, settings),
/// against the whole app on a loopback socket.
/// </summary>
public sealed class DashboardVerbsTests : IClassFixture<DashboardVerbsTests.Server>, IDisposable
{
    private const string SecretValue = "s3cret-for-the-settings-test";

    private readonly Server _server;
    private readonly CliRunner _cli;

    public DashboardVerbsTests(Server server)
    {
        _server = server;
        _cli = new CliRunner(server.Url);
    }

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Help_NoVerb_ListsTheDashboardVerbs()
    {
        var result = await _cli.RunAsync("--help");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        foreach (var verb in new[] { "incidents", "notifications", "settings" })
        {
            Assert.Contains($"  {verb} ", result.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task IncidentsList_OpenIncident_ShowsItsRow()
    {
        var host = $"web-{Guid.NewGuid():N}"[..16];
        var id = await AddIncidentAsync(host);

        var result = await _cli.RunAsync("incidents", "list", "--host", host);

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Matches("(?m)^ID +STATE +SEVERITY +HOST +CHANGED +SUMMARY$", result.Output);
        var line = Assert.Single(result.Output.Split('\n'), l => l.StartsWith(id.ToString(), StringComparison.Ordinal));
        Assert.Contains("Open", line, StringComparison.Ordinal);
        Assert.Contains("Critical", line, StringComparison.Ordinal);
        Assert.Contains("nginx.service failed", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IncidentsList_Json_PrintsTheApiArray()
    {
        var host = $"db-{Guid.NewGuid():N}"[..16];
        var id = await AddIncidentAsync(host);

        var result = await _cli.RunAsync("incidents", "list", "--host", host, "--json");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        using var document = JsonDocument.Parse(result.Output);
        var incident = Assert.Single(document.RootElement.EnumerateArray());
        Assert.Equal(id, incident.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task IncidentsList_InvalidState_Exits1NamingTheParameter()
    {
        var result = await _cli.RunAsync("incidents", "list", "--state", "Closed");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("'state'", result.Error, StringComparison.Ordinal);
        Assert.Contains("400", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IncidentsShow_Known_PrintsFieldsAndAnalyses()
    {
        var id = await AddIncidentAsync($"app-{Guid.NewGuid():N}"[..16]);

        var result = await _cli.RunAsync("incidents", "show", id.ToString());

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Matches($"(?m)^Incident: +{id}$", result.Output);
        Assert.Matches("(?m)^Evidence: +Result=exit-code, ExecMainStatus=1$", result.Output);
        Assert.Contains("No analyses yet.", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IncidentsShow_UnknownId_Exits3()
    {
        var result = await _cli.RunAsync("incidents", "show", Guid.NewGuid().ToString());

        Assert.Equal(ExitCodes.NotFound, result.ExitCode);
        Assert.Contains("No incident with id", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotificationsStatus_NotConfigured_PrintsStateAndReason()
    {
        var result = await _cli.RunAsync("notifications", "status");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Matches("(?m)^State: +NotConfigured$", result.Output);
        Assert.Contains("Macha:Notifications:Gotify:Url", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotificationsTest_NotConfigured_Exits1WithTheSetting()
    {
        var result = await _cli.RunAsync("notifications", "test");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("409", result.Error, StringComparison.Ordinal);
        Assert.Contains("Macha:Notifications:Gotify:Url", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_Filter_PrintsMatchingKeysWithSecretsHidden()
    {
        var result = await _cli.RunAsync("settings", "Macha:Test");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Matches("(?m)^Macha:Test:ApiToken +set +•+ \\(hidden\\)$", result.Output);
        Assert.DoesNotContain(SecretValue, result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Macha:CheckInterval", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_Json_PrintsRowsWithDefaults()
    {
        var result = await _cli.RunAsync("settings", "--json");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.DoesNotContain(SecretValue, result.Output, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(result.Output);
        var rows = document.RootElement.EnumerateArray().ToList();
        var interval = Assert.Single(rows, row => row.GetProperty("key").GetString() == "Macha:CheckInterval");
        Assert.True(interval.GetProperty("isSet").GetBoolean());
        Assert.Contains(rows, row => !row.GetProperty("isSet").GetBoolean());
    }

    private async Task<Guid> AddIncidentAsync(string hostName)
    {
        var id = Guid.NewGuid();
        await DashboardVerbsTestData.AddIncidentAsync(_server.Services, hostName, id);
        return id;
    }

    /// <summary>The app with one secret-looking setting, to show that the settings verb hides its value.</summary>
    public sealed class Server : IDisposable
    {
        private readonly CliTestServer _inner = new(factory => factory.WithSetting("Macha:Test:ApiToken", SecretValue));

        public string Url => _inner.Url;

        public IServiceProvider Services => _inner.Services;

        public void Dispose() => _inner.Dispose();
    }
}

/// <summary>Incidents written straight to the app's database, as a health cycle would leave them.</summary>
internal static class DashboardVerbsTestData
{
    public static async Task AddIncidentAsync(IServiceProvider services, string hostName, Guid id)
    {
        var at = DateTimeOffset.UtcNow;
        var incident = new IncidentRecord
        {
            Id = id,
            Fingerprint = $"{hostName}:FailedUnit:nginx.service:{id:N}",
            HostName = hostName,
            Kind = "FailedUnit",
            Subject = "nginx.service",
            State = IncidentState.Open,
            Severity = "Critical",
            Summary = "nginx.service failed",
            Evidence = "Result=exit-code, ExecMainStatus=1",
            OpenedAt = at,
            LastSeenAt = at,
            ChangedAt = at,
            CyclesSeen = 1,
            ChangeReason = "new finding",
        };
        var databases = services.GetRequiredService<IDbContextFactory<MachaDbContext>>();
        await using var db = await databases.CreateDbContextAsync();
        db.Incidents.Add(incident);
        await db.SaveChangesAsync();
    }
}
