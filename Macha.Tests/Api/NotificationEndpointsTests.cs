using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Macha.Tests.Fakes;
using Macha.Tests.Notifications;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Macha.Tests.Api;

/// <summary>The notification endpoints on the whole web app, against a fake Gotify on a loopback socket.</summary>
public sealed class NotificationEndpointsTests
{
    [Fact]
    public async Task GetStatus_NotConfigured_ReportsOff()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();

        var status = await client.GetFromJsonAsync<JsonElement>("/api/notifications/status");

        Assert.False(status.GetProperty("configured").GetBoolean());
        Assert.False(status.GetProperty("ok").GetBoolean());
        Assert.Equal("NotConfigured", status.GetProperty("state").GetString());
        Assert.Contains("Macha:Notifications:Gotify:Url", status.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, status.GetProperty("queueLength").GetInt32());
        Assert.Equal(0, status.GetProperty("drops").GetInt64());
    }

    [Fact]
    public async Task SendTest_NotConfigured_Returns409Problem()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();

        var response = await client.PostAsync(new Uri("/api/notifications/test", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task SendTest_Configured_SendsAndReportsLastSent()
    {
        await using var gotify = await FakeGotifyServer.StartAsync();
        gotify.AddApplicationToken(NotifierHarness.Token);
        await using var factory = new MachaWebFactory();
        await using var configured = Configure(factory, gotify, NotifierHarness.Token);
        using var client = configured.CreateClient();

        var response = await client.PostAsync(new Uri("/api/notifications/test", UriKind.Relative), null);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var status = await client.GetFromJsonAsync<JsonElement>("/api/notifications/status");
        var dependencies = await client.GetFromJsonAsync<JsonElement>("/api/dependencies");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.GetProperty("sent").GetBoolean());
        Assert.True(body.GetProperty("gotifyMessageId").GetInt64() > 0);

        // The start-up health cycle of the machine running the tests may send incident messages too.
        Assert.Contains(gotify.AcceptedMessages, m => m.GetProperty("title").GetString()!.StartsWith("Test notification from Macha", StringComparison.Ordinal));
        Assert.True(status.GetProperty("ok").GetBoolean());
        Assert.NotEqual(JsonValueKind.Null, status.GetProperty("lastSentAt").ValueKind);
        var entry = dependencies.EnumerateArray().Single(e => e.GetProperty("name").GetString() == "gotify");
        Assert.Equal("ok", entry.GetProperty("state").GetString());
    }

    [Fact]
    public async Task SendTest_ClientToken_Returns502AndShowsMisconfigured()
    {
        await using var gotify = await FakeGotifyServer.StartAsync();
        gotify.AddClientToken("CzKx81mPq0RtW2e");
        await using var factory = new MachaWebFactory();
        await using var configured = Configure(factory, gotify, "CzKx81mPq0RtW2e");
        using var client = configured.CreateClient();

        var response = await client.PostAsync(new Uri("/api/notifications/test", UriKind.Relative), null);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var status = await client.GetFromJsonAsync<JsonElement>("/api/notifications/status");
        var dependencies = await client.GetFromJsonAsync<JsonElement>("/api/dependencies");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("401", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(status.GetProperty("misconfigured").GetBoolean());
        Assert.Equal("Misconfigured", status.GetProperty("state").GetString());
        var entry = dependencies.EnumerateArray().Single(e => e.GetProperty("name").GetString() == "gotify");
        Assert.Equal("down", entry.GetProperty("state").GetString());
        Assert.DoesNotContain("CzKx81mPq0RtW2e", entry.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static WebApplicationFactory<Program> Configure(MachaWebFactory factory, FakeGotifyServer gotify, string token)
    {
        var tokenFile = Path.Combine(factory.DataDirectory, "gotify-token");
        File.WriteAllText(tokenFile, token);
        return factory.WithWebHostBuilder(builder => builder
            .UseSetting("Macha:Notifications:Gotify:Url", gotify.Uri.ToString())
            .UseSetting("Macha:Notifications:Gotify:TokenFile", tokenFile)
            .UseSetting("Macha:Notifications:RequestTimeout", "00:00:05"));
    }
}
