using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Macha.Tests.Fakes;

namespace Macha.Tests.Api;

public sealed class ApiEndpointsTests : IClassFixture<MachaWebFactory>
{
    private static readonly TimeSpan CycleWaitLimit = TimeSpan.FromSeconds(60);

    private readonly MachaWebFactory _factory;

    public ApiEndpointsTests(MachaWebFactory factory)
    {
        _factory = factory;
    }

    [Fact]
    public async Task PostCycles_Always_Returns202AndTheRunCompletes()
    {
        using var client = _factory.CreateClient();

        var response = await client.PostAsync(new Uri("/api/cycles", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal($"/api/cycles/{id}", response.Headers.Location?.ToString());

        var run = await WaitForRunAsync(client, id);
        Assert.Equal("Completed", run.GetProperty("state").GetString());
        Assert.Equal("Manual", run.GetProperty("trigger").GetString());
        Assert.True(run.GetProperty("collectors").EnumerateObject().Any());
    }

    [Fact]
    public async Task GetCycle_UnknownId_Returns404Problem()
    {
        using var client = _factory.CreateClient();

        var response = await client.GetAsync(new Uri($"/api/cycles/{Guid.NewGuid()}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Not found", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task GetLatestSnapshot_AfterACycle_ReturnsThisMachinesHealth()
    {
        using var client = _factory.CreateClient();
        await RunCycleAsync(client);

        var snapshot = await client.GetFromJsonAsync<JsonElement>("/api/snapshots/latest");

        Assert.Equal(Environment.MachineName, snapshot.GetProperty("hostName").GetString());
        Assert.True(snapshot.GetProperty("memory").GetProperty("totalBytes").GetInt64() > 0);
        Assert.True(snapshot.GetProperty("load").GetProperty("logicalCpuCount").GetInt32() > 0);
        var collectors = snapshot.GetProperty("collectors").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Contains("memory", collectors);
        Assert.Contains("systemd", collectors);
    }

    [Fact]
    public async Task GetLatestSnapshot_UnknownHost_Returns404Problem()
    {
        using var client = _factory.CreateClient();

        var response = await client.GetAsync(new Uri("/api/snapshots/latest?host=no-such-host", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("no-such-host", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetSnapshots_LimitOne_ReturnsOneSnapshot()
    {
        using var client = _factory.CreateClient();
        await RunCycleAsync(client);

        var snapshots = await client.GetFromJsonAsync<JsonElement>($"/api/snapshots?host={Environment.MachineName}&limit=1");

        Assert.Equal(1, snapshots.GetArrayLength());
    }

    [Theory]
    [InlineData("/api/snapshots?limit=0")]
    [InlineData("/api/snapshots?limit=501")]
    [InlineData("/api/findings?limit=-3")]
    [InlineData("/api/cycles?limit=0")]
    public async Task ListEndpoints_LimitOutOfRange_Return400Problem(string url)
    {
        using var client = _factory.CreateClient();

        var response = await client.GetAsync(new Uri(url, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("'limit'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetFindings_InvalidSince_Returns400()
    {
        using var client = _factory.CreateClient();

        var response = await client.GetAsync(new Uri("/api/findings?since=yesterday-ish", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task GetFindings_AfterACycle_ReturnsFindingsOfThisMachine()
    {
        using var client = _factory.CreateClient();
        await RunCycleAsync(client);

        var findings = await client.GetFromJsonAsync<JsonElement>("/api/findings");

        // This machine has no systemd as PID 1, so its findings vary; each must be well formed.
        foreach (var finding in findings.EnumerateArray())
        {
            Assert.Equal(Environment.MachineName, finding.GetProperty("hostName").GetString());
            Assert.Matches("^[0-9a-f]{32}$", finding.GetProperty("fingerprint").GetString());
            Assert.False(string.IsNullOrWhiteSpace(finding.GetProperty("summary").GetString()));
        }
    }

    [Fact]
    public async Task GetIncidents_AfterACycle_ListsOnlyUnresolvedIncidents()
    {
        using var client = _factory.CreateClient();
        await RunCycleAsync(client);

        var incidents = await client.GetFromJsonAsync<JsonElement>("/api/incidents");

        foreach (var incident in incidents.EnumerateArray())
        {
            Assert.NotEqual("Resolved", incident.GetProperty("state").GetString());
            var id = incident.GetProperty("id").GetGuid();
            var single = await client.GetFromJsonAsync<JsonElement>($"/api/incidents/{id}");
            Assert.Equal(incident.GetProperty("fingerprint").GetString(), single.GetProperty("fingerprint").GetString());
            var analyses = await client.GetFromJsonAsync<JsonElement>($"/api/incidents/{id}/analyses");
            Assert.All(analyses.EnumerateArray(), analysis => Assert.Equal("Skipped", analysis.GetProperty("state").GetString()));
        }
    }

    [Theory]
    [InlineData("burning")]
    [InlineData("1")]
    [InlineData("Open,Ongoing")]
    public async Task GetIncidents_UnknownState_Returns400Problem(string state)
    {
        using var client = _factory.CreateClient();

        var response = await client.GetAsync(new Uri($"/api/incidents?state={state}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("'state'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetIncident_UnknownId_Returns404Problem()
    {
        using var client = _factory.CreateClient();

        var response = await client.GetAsync(new Uri($"/api/incidents/{Guid.NewGuid()}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task GetHealth_AfterACycle_ReportsEachDependency()
    {
        using var client = _factory.CreateClient();
        await RunCycleAsync(client);

        var response = await client.GetAsync(new Uri("/api/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var health = await response.Content.ReadFromJsonAsync<JsonElement>();
        var checks = health.GetProperty("checks").EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!,
            c => c.GetProperty("status").GetString());
        Assert.Equal("Healthy", checks["database"]);
        Assert.Equal("Healthy", checks["scheduler"]);
        Assert.Equal("Healthy", checks["model"]);
        Assert.Contains(checks["cycle"], new[] { "Healthy", "Degraded" });
    }

    [Fact]
    public async Task GetRoot_Always_RendersTheOverviewPage()
    {
        using var client = _factory.CreateClient();

        var html = await client.GetStringAsync(new Uri("/", UriKind.Relative));

        Assert.Contains("Overview", html, StringComparison.Ordinal);
        Assert.Contains("Run check now", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Startup_Always_KeepsDataProtectionKeysInTheDataDirectory()
    {
        using var client = _factory.CreateClient();

        Assert.True(Directory.Exists(Path.Combine(_factory.DataDirectory, "keys")));
    }

    private static async Task RunCycleAsync(HttpClient client)
    {
        var response = await client.PostAsync(new Uri("/api/cycles", UriKind.Relative), null);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await WaitForRunAsync(client, id);
    }

    private static async Task<JsonElement> WaitForRunAsync(HttpClient client, Guid id)
    {
        using var limit = new CancellationTokenSource(CycleWaitLimit);
        while (true)
        {
            var run = await client.GetFromJsonAsync<JsonElement>($"/api/cycles/{id}", limit.Token);
            var state = run.GetProperty("state").GetString();
            if (state is not ("Queued" or "Running"))
            {
                return run;
            }

            await Task.Delay(100, limit.Token);
        }
    }
}
