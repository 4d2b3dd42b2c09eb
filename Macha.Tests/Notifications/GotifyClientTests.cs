using System.Text;
using System.Text.Json;
using Macha.Core.Notifications;
using Macha.Tests.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Notifications;

public sealed class GotifyClientTests
{
    private static readonly Guid ApprovalId = Guid.Parse("0b6c1f1e-7d55-4c7e-9a43-2f4c8a1d9e10");

    private static Notification Sample(Uri? clickUrl = null) => new(
        NotificationKind.ApprovalWaiting,
        "Approval needed on web-01: restart-unit nginx.service",
        "**restart\\-unit** on web\\-01 waits for approval\\.",
        NotificationPriority.ApprovalWaiting,
        "approval:1",
        clickUrl ?? new Uri($"https://macha.example.org/approvals/{ApprovalId:D}"));

    [Fact]
    public async Task SendAsync_Accepted_PostsExactJsonWithTokenInHeader()
    {
        await using var harness = await NotifierHarness.StartAsync();

        var result = await harness.Get<GotifyClient>().SendAsync(Sample());

        Assert.Equal(GotifySendStatus.Sent, result.Status);
        Assert.Equal(1, result.MessageId);
        var request = Assert.Single(harness.Gotify.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/message", request.Path);
        Assert.Equal("", request.Query);
        Assert.Equal(NotifierHarness.Token, request.Headers["X-Gotify-Key"]);
        const string Expected = """
            {"title":"Approval needed on web-01: restart-unit nginx.service","message":"**restart\\-unit** on web\\-01 waits for approval\\.","priority":6,"extras":{"client::display":{"contentType":"text/markdown"},"client::notification":{"click":{"url":"https://macha.example.org/approvals/APPROVAL_ID"}}}}
            """;
        Assert.Equal(Expected.Replace("APPROVAL_ID", ApprovalId.ToString("D"), StringComparison.Ordinal), request.Body);
    }

    [Fact]
    public async Task SendAsync_NoClickUrl_SendsMarkdownDisplayOnly()
    {
        await using var harness = await NotifierHarness.StartAsync();

        await harness.Get<GotifyClient>().SendAsync(Sample() with { ClickUrl = null });

        var extras = JsonDocument.Parse(Assert.Single(harness.Gotify.Requests).Body).RootElement.GetProperty("extras");
        Assert.Equal("text/markdown", extras.GetProperty("client::display").GetProperty("contentType").GetString());
        Assert.False(extras.TryGetProperty("client::notification", out _));
    }

    [Fact]
    public async Task SendAsync_NonAsciiText_SendsUtf8WithCharset()
    {
        await using var harness = await NotifierHarness.StartAsync();

        await harness.Get<GotifyClient>().SendAsync(Sample() with { Title = "⚠ web-01 · disk" });

        var request = Assert.Single(harness.Gotify.Requests);
        Assert.Contains("\"title\":\"⚠ web-01 · disk\"", request.Body, StringComparison.Ordinal);
        Assert.Equal("application/json; charset=utf-8", request.Headers["Content-Type"]);
    }

    [Fact]
    public async Task SendAsync_ClientToken_ReturnsMisconfiguredWithoutRetry()
    {
        await using var harness = await NotifierHarness.StartAsync(tokenFileContents: "CzKx81mPq0RtW2e");
        harness.Gotify.AddClientToken("CzKx81mPq0RtW2e");

        var result = await harness.Get<GotifyClient>().SendAsync(Sample());

        Assert.Equal(GotifySendStatus.Misconfigured, result.Status);
        Assert.Contains("401", result.Detail, StringComparison.Ordinal);
        Assert.Contains("you need to provide a valid access token or user credentials to access this api", result.Detail, StringComparison.Ordinal);
        Assert.Contains("application token", result.Detail, StringComparison.Ordinal);
        Assert.Single(harness.Gotify.Requests);
    }

    [Fact]
    public async Task SendAsync_Forbidden_ReturnsMisconfiguredWithoutRetry()
    {
        await using var harness = await NotifierHarness.StartAsync();
        harness.Gotify.EnqueueFault(new GotifyFault(403, FakeGotifyServer.ForbiddenBody));

        var result = await harness.Get<GotifyClient>().SendAsync(Sample());

        Assert.Equal(GotifySendStatus.Misconfigured, result.Status);
        Assert.Contains("403 (you are not allowed to access this api)", result.Detail, StringComparison.Ordinal);
        Assert.Single(harness.Gotify.Requests);
    }

    [Fact]
    public async Task SendAsync_ServerErrorThenSuccess_RetriesAndSends()
    {
        await using var harness = await NotifierHarness.StartAsync();
        harness.Gotify.EnqueueFault(GotifyFault.ServerError(503));

        var result = await harness.Get<GotifyClient>().SendAsync(Sample());

        Assert.Equal(GotifySendStatus.Sent, result.Status);
        Assert.Equal([503, 200], harness.Gotify.Requests.Select(r => r.Status));
    }

    // The attempt timeout and the retry delay run on a fake clock, so a loaded machine cannot make the
    // second attempt time out too. The clock moves only while no attempt is at the server.
    [Fact]
    public async Task SendAsync_SlowAnswerThenSuccess_RetriesAfterTimeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await NotifierHarness.StartAsync(timeProvider: time);
        harness.Gotify.EnqueueFault(GotifyFault.Slow(TimeSpan.FromSeconds(30)));
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var send = harness.Get<GotifyClient>().SendAsync(Sample());
        while (harness.Gotify.InFlightCount == 0)
        {
            await Task.Delay(10, limit.Token);
        }

        time.Advance(NotifierHarness.RequestTimeout);
        while (harness.Gotify.Requests.Count == 0)
        {
            await Task.Delay(10, limit.Token);
        }

        while (harness.Gotify.InFlightCount == 0 && !send.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(10, limit.Token);
        }

        var result = await send.WaitAsync(limit.Token);

        Assert.Equal(GotifySendStatus.Sent, result.Status);
        Assert.Equal(2, harness.Gotify.Requests.Count(r => r.Path == "/message"));
        Assert.Single(harness.Gotify.AcceptedMessages);
    }

    [Fact]
    public async Task SendAsync_ServerErrorEveryTime_FailsAfterEveryAttempt()
    {
        await using var harness = await NotifierHarness.StartAsync(new Dictionary<string, string?> { ["Macha:Notifications:MaxRetries"] = "2" });
        for (var i = 0; i < 3; i++)
        {
            harness.Gotify.EnqueueFault(GotifyFault.ServerError());
        }

        var result = await harness.Get<GotifyClient>().SendAsync(Sample());

        Assert.Equal(GotifySendStatus.Failed, result.Status);
        Assert.Contains("answered 500: database is locked", result.Detail, StringComparison.Ordinal);
        Assert.Equal(3, harness.Gotify.Requests.Count);
    }

    [Fact]
    public async Task SendAsync_NoAnswerEveryTime_FailsWithTimeout()
    {
        // The fake Gotify never responds, so both attempts time out however fast the machine is.
        await using var harness = await NotifierHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Macha:Notifications:MaxRetries"] = "1",
            ["Macha:Notifications:RequestTimeout"] = "00:00:01",
        });
        harness.Gotify.EnqueueFault(GotifyFault.NoAnswer()).EnqueueFault(GotifyFault.NoAnswer());

        var result = await harness.Get<GotifyClient>().SendAsync(Sample());

        Assert.Equal(GotifySendStatus.Failed, result.Status);
        Assert.Contains("did not answer within 00:00:01 on any of 2 attempts", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_BadRequest_FailsWithoutRetry()
    {
        await using var harness = await NotifierHarness.StartAsync();

        var result = await harness.Get<GotifyClient>().SendAsync(Sample() with { Message = "" });

        Assert.Equal(GotifySendStatus.Failed, result.Status);
        Assert.Contains("Field 'message' is required", result.Detail, StringComparison.Ordinal);
        Assert.Single(harness.Gotify.Requests);
    }

    [Fact]
    public async Task SendAsync_ServerStopped_FailsAsUnreachable()
    {
        await using var harness = await NotifierHarness.StartAsync(new Dictionary<string, string?> { ["Macha:Notifications:MaxRetries"] = "1" });
        await harness.Gotify.StopAsync();

        var result = await harness.Get<GotifyClient>().SendAsync(Sample());

        Assert.Equal(GotifySendStatus.Failed, result.Status);
        Assert.Contains("cannot be reached", result.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<AqX7rT2mK9wLpZ3>", "angle brackets")]
    [InlineData("", "is empty")]
    [InlineData("AqX7rT2mK9wLpZ3\nsecond line", "characters that no Gotify token has")]
    [InlineData("\"AqX7rT2mK9wLpZ3\"", "characters that no Gotify token has")]
    public async Task SendAsync_UnusableTokenFile_MisconfiguredWithoutRequest(string contents, string expected)
    {
        await using var harness = await NotifierHarness.StartAsync(tokenFileContents: contents);

        var result = await harness.Get<GotifyClient>().SendAsync(Sample());

        Assert.Equal(GotifySendStatus.Misconfigured, result.Status);
        Assert.Contains(expected, result.Detail, StringComparison.Ordinal);
        Assert.Contains(harness.TokenFile, result.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("AqX7rT2mK9wLpZ3", result.Detail, StringComparison.Ordinal);
        Assert.Empty(harness.Gotify.Requests);
    }

    [Fact]
    public async Task SendAsync_TokenFileMissing_MisconfiguredNamingTheFile()
    {
        await using var harness = await NotifierHarness.StartAsync();
        File.Delete(harness.TokenFile);

        var result = await harness.Get<GotifyClient>().SendAsync(Sample());

        Assert.Equal(GotifySendStatus.Misconfigured, result.Status);
        Assert.Contains($"The Gotify token file {harness.TokenFile} does not exist", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_GotifyUnderPathPrefix_PostsBelowThePrefix()
    {
        await using var harness = await NotifierHarness.StartAsync();
        var prefixed = new Uri(harness.Gotify.Uri, "gotify");
        await using var prefixedHarness = await NotifierHarness.StartAsync(new Dictionary<string, string?> { ["Macha:Notifications:Gotify:Url"] = prefixed.ToString() });

        await prefixedHarness.Get<GotifyClient>().SendAsync(Sample());

        Assert.Equal("/gotify/message", Assert.Single(harness.Gotify.Requests).Path);
    }

    [Fact]
    public async Task SendAsync_EveryPath_NeverLogsTheToken()
    {
        await using var harness = await NotifierHarness.StartAsync(new Dictionary<string, string?> { ["Macha:Notifications:MaxRetries"] = "1" });
        var client = harness.Get<GotifyClient>();
        harness.Gotify.EnqueueFault(GotifyFault.ServerError()).EnqueueFault(GotifyFault.ServerError());

        await client.SendAsync(Sample());
        await client.SendAsync(Sample());
        harness.Gotify.EnqueueFault(new GotifyFault(401, FakeGotifyServer.UnauthorizedBody));
        var rejected = await client.SendAsync(Sample());

        var logs = harness.AllLogText();
        Assert.NotEmpty(logs);
        Assert.Contains(logs, line => line.Contains("Polly", StringComparison.Ordinal));
        Assert.All(logs, line => Assert.DoesNotContain(NotifierHarness.Token, line, StringComparison.Ordinal));
        Assert.DoesNotContain(NotifierHarness.Token, rejected.Detail, StringComparison.Ordinal);
        Assert.All(harness.Gotify.Requests, request => Assert.DoesNotContain(NotifierHarness.Token, request.Path + request.Query, StringComparison.Ordinal));
    }

    [Fact]
    public void SerializeBody_MarkdownAndQuotes_StaysValidJson()
    {
        var body = GotifyClient.SerializeBody(Sample() with { Message = "say \"hi\" \\ <b>" });

        var parsed = JsonDocument.Parse(body).RootElement;
        Assert.Equal("say \"hi\" \\ <b>", parsed.GetProperty("message").GetString());
        Assert.Equal(6, parsed.GetProperty("priority").GetInt32());
        Assert.Contains("<b>", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
    }
}
