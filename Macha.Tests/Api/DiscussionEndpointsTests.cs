using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Macha.Core.Analysis;
using Macha.Core.Approvals;
using Macha.Core.Hosts;
using Macha.Tests.Approvals;
using Macha.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Macha.Tests.Api;

/// <summary>The discussion endpoints against the whole app and an Ollama stand-in on 127.0.0.1.</summary>
public sealed class DiscussionEndpointsTests : IAsyncLifetime
{
    private const string Model = "qwen3:8b";

    private FakeOllamaServer _ollama = default!;
    private MachaWebFactory _factory = default!;
    private readonly RecordingQueue _queueRecorder = new();

    public async Task InitializeAsync()
    {
        _ollama = await FakeOllamaServer.StartAsync();
        _factory = CreateFactory(_ollama.Uri, enabled: true);
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _ollama.DisposeAsync();
    }

    [Fact]
    public async Task Post_ModelReplies_StoresQuestionAndReply()
    {
        using var client = _factory.CreateClient();
        var id = await EnqueueApprovalAsync();
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "The restart is safe: nginx has no open connections to lose."));

        var response = await client.PostAsJsonAsync($"/api/approvals/{id}/discussion", new { message = "Is this restart safe?" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Assistant", reply.GetProperty("role").GetString());
        Assert.Equal(Model, reply.GetProperty("author").GetString());
        Assert.Contains("restart is safe", reply.GetProperty("text").GetString(), StringComparison.Ordinal);

        var conversation = await client.GetFromJsonAsync<JsonElement>($"/api/approvals/{id}/discussion");
        Assert.Equal(2, conversation.GetArrayLength());
        Assert.Equal("User", conversation[0].GetProperty("role").GetString());
        Assert.Equal("Is this restart safe?", conversation[0].GetProperty("text").GetString());
        Assert.Equal("local", conversation[0].GetProperty("author").GetString());

        var sent = _ollama.RequestBodies(FakeOllamaServer.Chat).Single().GetRawText();
        Assert.Contains("systemctl", sent, StringComparison.Ordinal);
        Assert.Contains("Is this restart safe?", sent, StringComparison.Ordinal);
        Assert.Equal([ModelRequestPriority.Interactive], _queueRecorder.Priorities);
    }

    [Fact]
    public async Task Post_SecondQuestion_SendsTheEarlierReplyAsQuotedData()
    {
        using var client = _factory.CreateClient();
        var id = await EnqueueApprovalAsync();
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "First reply."));
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "Second reply."));

        await client.PostAsJsonAsync($"/api/approvals/{id}/discussion", new { message = "First question" });
        var response = await client.PostAsJsonAsync($"/api/approvals/{id}/discussion", new { message = "Second question" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var second = _ollama.RequestBodies(FakeOllamaServer.Chat)[1];
        var contents = second.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString() ?? "").ToList();
        Assert.Contains(contents, c => c.Contains("```data\nFirst reply.", StringComparison.Ordinal));
        Assert.Equal("Second question", contents[^1]);
        var conversation = await client.GetFromJsonAsync<JsonElement>($"/api/approvals/{id}/discussion");
        Assert.Equal(4, conversation.GetArrayLength());
    }

    [Fact]
    public async Task Post_ModelCallsATool_RecordsTheToolCall()
    {
        using var client = _factory.CreateClient();
        var id = await EnqueueApprovalAsync();
        _ollama.EnqueueChat(FakeOllamaResponses.ChatToolCall(Model, "unit_status", """{"unit":"nginx.service"}"""));
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "The unit status shows it failed."));

        var response = await client.PostAsJsonAsync($"/api/approvals/{id}/discussion", new { message = "What does systemd say?" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = await response.Content.ReadFromJsonAsync<JsonElement>();
        var call = Assert.Single(reply.GetProperty("toolCalls").EnumerateArray());
        Assert.Equal("unit_status", call.GetProperty("Tool").GetString());
        Assert.Equal(2, _ollama.RequestBodies(FakeOllamaServer.Chat).Count);
    }

    [Fact]
    public async Task Post_ToolOutputTooLarge_SummarisesItByMapReduce()
    {
        var logDirectory = Directory.CreateTempSubdirectory("macha-discussion-logs-");
        try
        {
            var logPath = Path.Combine(logDirectory.FullName, "app.log");
            var lines = Enumerable.Range(0, 60).Select(i => $"Dec 04 11:{i:00}:07 web-1 app[812]: request {i} failed: upstream timed out after 30 s");
            await File.WriteAllLinesAsync(logPath, lines);
            await using var factory = CreateFactory(_ollama.Uri, enabled: true)
                .WithSetting("Macha:Analysis:Tools:ReadFileRoots:0", logDirectory.FullName);
            using var client = factory.CreateClient();
            var id = await EnqueueApprovalAsync(factory);
            _ollama.EnqueueChat(FakeOllamaResponses.ChatToolCall(Model, "read_file", JsonSerializer.Serialize(new { path = logPath })));
            _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "NOTE: 60 upstream timeouts from app[812], the last at 11:59:07."));
            _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "The upstream of app timed out 60 times; restarting nginx will not fix that."));

            var response = await client.PostAsJsonAsync($"/api/approvals/{id}/discussion", new { message = "Will the restart fix the timeouts?" });

            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            var reply = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains("timed out 60 times", reply.GetProperty("text").GetString(), StringComparison.Ordinal);
            var call = Assert.Single(reply.GetProperty("toolCalls").EnumerateArray());
            Assert.Equal(JsonValueKind.String, call.GetProperty("CachedOutputId").ValueKind);

            var requests = _ollama.RequestBodies(FakeOllamaServer.Chat);
            Assert.Equal(3, requests.Count);
            var mapRequest = requests[1].GetRawText();
            Assert.Contains("request 59 failed", mapRequest, StringComparison.Ordinal);
            Assert.Contains("Will the restart fix the timeouts?", mapRequest, StringComparison.Ordinal);
            var toolResult = requests[2].GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString();
            Assert.Contains("60 upstream timeouts", toolResult, StringComparison.Ordinal);
            Assert.DoesNotContain("request 59 failed", toolResult, StringComparison.Ordinal);
            Assert.DoesNotContain("characters cut", toolResult, StringComparison.Ordinal);
            Assert.Equal([ModelRequestPriority.Interactive, ModelRequestPriority.Interactive, ModelRequestPriority.Interactive], _queueRecorder.Priorities);
        }
        finally
        {
            logDirectory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Post_OllamaDown_Returns503AndStoresNothing()
    {
        var stopped = await FakeOllamaServer.StartAsync();
        var address = stopped.Uri;
        await stopped.DisposeAsync();
        await using var factory = CreateFactory(address, enabled: true);
        using var client = factory.CreateClient();
        var id = await EnqueueApprovalAsync(factory);

        var response = await client.PostAsJsonAsync($"/api/approvals/{id}/discussion", new { message = "Why?" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Model unavailable", problem.GetProperty("title").GetString());
        var conversation = await client.GetFromJsonAsync<JsonElement>($"/api/approvals/{id}/discussion");
        Assert.Equal(0, conversation.GetArrayLength());
    }

    [Fact]
    public async Task Post_AnalysisDisabled_Returns503NamingTheSetting()
    {
        await using var factory = CreateFactory(_ollama.Uri, enabled: false);
        using var client = factory.CreateClient();
        var id = await EnqueueApprovalAsync(factory);

        var response = await client.PostAsJsonAsync($"/api/approvals/{id}/discussion", new { message = "Why?" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Analysis disabled", problem.GetProperty("title").GetString());
        Assert.Contains("Macha:Analysis:Enabled", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(_ollama.Requests);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Post_EmptyMessage_Returns400(string message)
    {
        using var client = _factory.CreateClient();
        var id = await EnqueueApprovalAsync();

        var response = await client.PostAsJsonAsync($"/api/approvals/{id}/discussion", new { message });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_ollama.Requests);
    }

    [Fact]
    public async Task Post_TooLongMessage_Returns400WithTheLimit()
    {
        using var client = _factory.CreateClient();
        var id = await EnqueueApprovalAsync();

        var response = await client.PostAsJsonAsync($"/api/approvals/{id}/discussion", new { message = new string('x', 4001) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("4000", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("approvals")]
    [InlineData("incidents")]
    public async Task Discussion_UnknownId_Returns404(string items)
    {
        using var client = _factory.CreateClient();
        var path = $"/api/{items}/{Guid.NewGuid()}/discussion";

        var get = await client.GetAsync(new Uri(path, UriKind.Relative));
        var post = await client.PostAsJsonAsync(path, new { message = "Hello" });

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
    }

    private MachaWebFactory CreateFactory(Uri ollama, bool enabled) =>
        new MachaWebFactory()
            .WithSetting("Macha:Analysis:Enabled", enabled ? "true" : "false")
            .WithSetting("Macha:Analysis:OllamaUrl", ollama.ToString())
            .WithSetting("Macha:Analysis:RequestTimeout", "00:00:20")
            .WithServices(services =>
            {
                // The start-up cycle's incidents must not use up the responses scripted for the discussion.
                foreach (var worker in services.Where(d => d.ImplementationType == typeof(AnalysisWorker)).ToList())
                {
                    services.Remove(worker);
                }

                services.RemoveAll<IModelRequestQueue>();
                services.AddSingleton<IModelRequestQueue>(provider =>
                {
                    _queueRecorder.Inner = ActivatorUtilities.CreateInstance<ModelRequestQueue>(provider);
                    return _queueRecorder;
                });
            });

    private Task<Guid> EnqueueApprovalAsync() => EnqueueApprovalAsync(_factory);

    private static async Task<Guid> EnqueueApprovalAsync(MachaWebFactory factory)
    {
        // On the machine Macha runs on, so the tools have a host to run on.
        var hostName = factory.Services.GetRequiredService<IHostInventory>().GetHosts()[0].HostName;
        var queue = factory.Services.GetRequiredService<ApprovalQueue>();
        var result = await queue.EnqueueAsync(ApprovalTestData.Request($"test:{Guid.NewGuid()}") with { HostName = hostName });
        return result.Approval.Id;
    }

    /// <summary>Records the priority of each model request, then runs it on the real queue.</summary>
    private sealed class RecordingQueue : IModelRequestQueue
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<ModelRequestPriority> _priorities = new();

        public ModelRequestQueue Inner { get; set; } = default!;

        public IReadOnlyList<ModelRequestPriority> Priorities => [.. _priorities];

        public Task<T> RunAsync<T>(
            ModelRequestPriority priority,
            string description,
            Func<CancellationToken, Task<T>> work,
            TimeSpan? timeout = null,
            CancellationToken cancellationToken = default)
        {
            _priorities.Enqueue(priority);
            return Inner.RunAsync(priority, description, work, timeout, cancellationToken);
        }

        public ModelQueueState GetState() => Inner.GetState();
    }
}
