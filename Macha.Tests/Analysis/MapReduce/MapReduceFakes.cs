using System.Runtime.CompilerServices;
using Macha.Core.Analysis;
using Macha.Core.Analysis.MapReduce;
using Macha.Core.Configuration;
using Macha.Tests.Detection;
using Macha.Tests.Fakes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Analysis.MapReduce;

/// <summary>A chat client that records every request and returns a short, numbered summary.</summary>
internal sealed class RecordingChatClient : IChatClient
{
    private readonly List<RecordedRequest> _requests = [];

    /// <summary>Builds the answer text from the call's 1-based number and the user message; the default is "summary N".</summary>
    public Func<int, string, string> Answer { get; set; } = (call, _) => $"summary {call}";

    /// <summary>Runs before each answer, with the call's 1-based number and the request's token.</summary>
    public Func<int, CancellationToken, Task>? BeforeAnswer { get; set; }

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        int call;
        lock (_requests)
        {
            _requests.Add(new RecordedRequest(
                list.Single(message => message.Role == ChatRole.System).Text,
                list.Single(message => message.Role == ChatRole.User).Text,
                options));
            call = _requests.Count;
        }

        if (BeforeAnswer is not null)
        {
            await BeforeAnswer(call, cancellationToken);
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, Answer(call, list[^1].Text)));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        yield return new ChatResponseUpdate(ChatRole.Assistant, response.Text);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

internal sealed record RecordedRequest(string SystemPrompt, string UserPrompt, ChatOptions? Options);

/// <summary>A model-request queue that runs each request at once, recording its priority and description.</summary>
internal sealed class ImmediateModelRequestQueue : IModelRequestQueue
{
    public List<(ModelRequestPriority Priority, string Description)> Runs { get; } = [];

    public Task<T> RunAsync<T>(
        ModelRequestPriority priority,
        string description,
        Func<CancellationToken, Task<T>> work,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Runs.Add((priority, description));
        return work(cancellationToken);
    }

    public ModelQueueState GetState() => new(1, [], [], Runs.Count, 0, 0);
}

/// <summary>A data directory, a fake clock, the cache and a reducer wired to the fakes.</summary>
internal sealed class MapReduceTestContext : IDisposable
{
    private readonly TestDataDirectory _dataDirectory = new();

    public MapReduceTestContext(int contextTokens = 8192)
    {
        var machaOptions = new MachaOptions { DataDirectory = _dataDirectory.Path };
        Cache = new LargeOutputCache(new TestOptionsMonitor<MachaOptions>(machaOptions), Options, Time, NullLogger<LargeOutputCache>.Instance);
        Analysis.CurrentValue.ContextTokens = contextTokens;
        Reducer = new OutputReducer(Cache, Queue, Chat, Analysis, Options, Time, NullLogger<OutputReducer>.Instance);
    }

    public string DataDirectory => _dataDirectory.Path;

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero));

    public TestOptionsMonitor<MapReduceOptions> Options { get; } = new(new MapReduceOptions { MaxModelCalls = 1000 });

    public TestOptionsMonitor<AnalysisOptions> Analysis { get; } = new(new AnalysisOptions());

    public RecordingChatClient Chat { get; } = new();

    public ImmediateModelRequestQueue Queue { get; } = new();

    public LargeOutputCache Cache { get; }

    public OutputReducer Reducer { get; }

    public Task<CachedOutputInfo> StoreAsync(IEnumerable<string> lines) =>
        Cache.StoreAsync(ToAsync(lines), "journalctl -b on test-host");

    public Task<CachedOutputInfo> StoreAsync(byte[] bytes) =>
        Cache.StoreAsync(new MemoryStream(bytes), "cat /var/log/test on test-host");

    public void Dispose()
    {
        Cache.Dispose();
        _dataDirectory.Dispose();
    }

    /// <summary>Journal-like lines with timestamps, PIDs and unit names, numbered so each is unique.</summary>
    public static IEnumerable<string> JournalLines(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return i % 7 == 0
                ? $"Dec 04 10:{i / 60 % 60:00}:{i % 60:00} web1 nginx[{1000 + (i % 50)}]: connect() failed (111: Connection refused) while connecting to upstream, request {i}"
                : $"Dec 04 10:{i / 60 % 60:00}:{i % 60:00} web1 systemd[1]: Started session-{i}.scope - Session {i} of User alice.";
        }
    }

    private static async IAsyncEnumerable<string> ToAsync(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            await Task.Yield();
            yield return line;
        }
    }
}
