using System.Net;
using System.Text;
using Macha.Core.Analysis;
using Macha.Core.Knowledge;
using Macha.Core.Knowledge.Chroma;
using Macha.Core.Notifications;
using Macha.Tests.Fakes;
using Macha.Tests.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Macha.Tests.Knowledge;

/// <summary>
/// ChromaDB failing as a real server fails. The 500 that Chroma 1.0.0 returns while it indexes is
/// injected in front of the real server. The server is also stopped and started again by its
/// process id, which must produce down and up notifications.
/// </summary>
[Collection(ChromaTestCollection.Name)]
public sealed class ChromaFaultTests
{
    /// <summary>
    /// The body Chroma 1.0.0 sends with the 500. The error text is as users reported it upstream
    /// (chroma-core/chroma#4212); the JSON wrapper is Chroma 1.0's usual error body.
    /// </summary>
    private const string IndexNotReadyBody =
        """{"error":"InternalError","message":"Error executing plan: Internal error: Error creating hnsw segment reader: Nothing found on disk"}""";

    private const string NoteTitle = "Nginx worker connections exhausted";
    private const string NoteText = "When nginx logs worker_connections are not enough, raise events.worker_connections in the NixOS nginx module.";

    private readonly ChromaServerFixture _chroma;

    public ChromaFaultTests(ChromaServerFixture chroma)
    {
        _chroma = chroma;
    }

    [Fact]
    public async Task Search_IndexNotReadyThrice_Retries()
    {
        var faults = new IndexNotReadyInjector();
        await using var bed = await StartAsync(_chroma.Server.Uri, faults);
        var note = await bed.Store.AddNoteAsync(NoteTitle, NoteText, ["nginx"]);
        await bed.WaitUntilSearchableAsync(KnowledgeCollection.Knowledge, NoteTitle, note.Id);
        faults.Arm(ChromaIndexRetry.MaxAttempts - 1);

        var hits = await bed.Store.SearchAsync(NoteTitle, [KnowledgeCollection.Knowledge], 3, 0.2, ModelRequestPriority.Interactive);

        Assert.Equal(ChromaIndexRetry.MaxAttempts, faults.QueriesSeen);
        Assert.Equal(0, faults.Remaining);
        Assert.Equal(note.Id, hits[0].Id);
        Assert.Null(bed.Store.LastFailure);
    }

    [Fact]
    public async Task Search_IndexNeverReady_ReturnsNoHits()
    {
        var faults = new IndexNotReadyInjector();
        await using var bed = await StartAsync(_chroma.Server.Uri, faults);
        var note = await bed.Store.AddNoteAsync(NoteTitle, NoteText, ["nginx"]);
        await bed.WaitUntilSearchableAsync(KnowledgeCollection.Knowledge, NoteTitle, note.Id);
        faults.Arm(ChromaIndexRetry.MaxAttempts + 5);

        var hits = await bed.Store.SearchAsync(NoteTitle, [KnowledgeCollection.Knowledge], 3, 0.2, ModelRequestPriority.Interactive);

        Assert.Empty(hits);
        Assert.Equal(ChromaIndexRetry.MaxAttempts, faults.QueriesSeen);
        Assert.Equal(5, faults.Remaining);
    }

    [Fact]
    public async Task Search_OtherServerError_FailsAtOnce()
    {
        var faults = new IndexNotReadyInjector("""{"error":"InternalError","message":"Error executing plan: database is locked"}""");
        await using var bed = await StartAsync(_chroma.Server.Uri, faults);
        var note = await bed.Store.AddNoteAsync(NoteTitle, NoteText, ["nginx"]);
        await bed.WaitUntilSearchableAsync(KnowledgeCollection.Knowledge, NoteTitle, note.Id);
        faults.Arm(1);

        var failure = await Assert.ThrowsAsync<KnowledgeUnavailableException>(
            () => bed.Store.SearchAsync(NoteTitle, [KnowledgeCollection.Knowledge], 3, 0.2, ModelRequestPriority.Interactive));

        Assert.Equal(1, faults.QueriesSeen);
        Assert.Contains("database is locked", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 250)]
    [InlineData(2, 500)]
    [InlineData(3, 1000)]
    [InlineData(4, 2000)]
    [InlineData(40, 2000)]
    public void DelayAfter_Attempt_DoublesUpToTwoSeconds(int attempt, int expectedMilliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), ChromaIndexRetry.DelayAfter(attempt));
    }

    [Fact]
    public async Task CheckAsync_ChromaRestarted_NotifiesDownThenUp()
    {
        await using var chroma = await ChromaServer.StartAsync();
        await using var gotify = await FakeGotifyServer.StartAsync();
        gotify.AddApplicationToken(NotifierHarness.Token);
        using var tokenDirectory = new TestDataDirectory();
        var tokenFile = Path.Combine(tokenDirectory.Path, "gotify-token");
        await File.WriteAllTextAsync(tokenFile, NotifierHarness.Token);
        await using var bed = await KnowledgeTestBed.StartAsync(chroma.Uri, settings: new Dictionary<string, string?>
        {
            ["Macha:Notifications:Gotify:Url"] = gotify.Uri.ToString(),
            ["Macha:Notifications:Gotify:TokenFile"] = tokenFile,
            ["Macha:PublicUrl"] = "https://macha.example.org/",
        });
        var status = bed.Get<KnowledgeStatus>();
        var notifier = bed.Get<NotificationService>();

        var before = await status.CheckAsync();
        var queuedWhileUp = notifier.GetStatus().QueueLength;
        await chroma.StopAsync();
        var down = await status.CheckAsync();
        await status.CheckAsync();
        var queuedWhileDown = notifier.GetStatus().QueueLength;
        await notifier.SendNextAsync(CancellationToken.None);
        await chroma.RestartAsync();
        var up = await status.CheckAsync();
        await notifier.SendNextAsync(CancellationToken.None);

        Assert.Equal(KnowledgeState.Ok, before.State);
        Assert.Equal(0, queuedWhileUp);
        Assert.Equal(KnowledgeState.Down, down.State);
        Assert.Equal(1, queuedWhileDown);
        Assert.Equal(KnowledgeState.Ok, up.State);
        Assert.Equal(2, gotify.AcceptedMessages.Count);
        var downMessage = gotify.AcceptedMessages[0];
        Assert.Equal("ChromaDB is down", downMessage.GetProperty("title").GetString());
        Assert.Equal(NotificationPriority.DependencyDown, downMessage.GetProperty("priority").GetInt32());
        Assert.Contains("could not be reached", downMessage.GetProperty("message").GetString(), StringComparison.Ordinal);
        var upMessage = gotify.AcceptedMessages[1];
        Assert.Equal("ChromaDB is back up", upMessage.GetProperty("title").GetString());
        Assert.Equal(NotificationPriority.DependencyUp, upMessage.GetProperty("priority").GetInt32());
        Assert.Equal("https://macha.example.org/", upMessage.GetProperty("extras").GetProperty("client::notification").GetProperty("click").GetProperty("url").GetString());
    }

    [Fact]
    public async Task KnowledgeStartup_ChromaStopsWhileIdle_NotifiesDown()
    {
        await using var chroma = await ChromaServer.StartAsync();
        await using var gotify = await FakeGotifyServer.StartAsync();
        gotify.AddApplicationToken(NotifierHarness.Token);
        using var tokenDirectory = new TestDataDirectory();
        var tokenFile = Path.Combine(tokenDirectory.Path, "gotify-token");
        await File.WriteAllTextAsync(tokenFile, NotifierHarness.Token);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var bed = await KnowledgeTestBed.StartAsync(
            chroma.Uri,
            settings: new Dictionary<string, string?>
            {
                ["Macha:Notifications:Gotify:Url"] = gotify.Uri.ToString(),
                ["Macha:Notifications:Gotify:TokenFile"] = tokenFile,
            },
            configureServices: services =>
            {
                services.AddSingleton<TimeProvider>(time);
                services.AddLogging(logging => logging.AddFakeLogging());
            });
        var startup = bed.Get<KnowledgeStartup>();
        var notifier = bed.Get<NotificationService>();
        await startup.StartAsync(CancellationToken.None);

        // The start-up work logs that the knowledge base is ready after its last request to ChromaDB,
        // so from then on only the timer sends requests. A seed note that a search finds is not enough,
        // because Chroma can serve it while the upsert's response, or a retry of it, is still on the way.
        await WaitForKnowledgeReadyAsync(bed.Harness.Provider.GetFakeLogCollector());
        await chroma.StopAsync();

        // The reachability timer runs on the fake clock, so the test moves it on a minute at a time
        // until the failed check has queued its notification.
        using var checkLimit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (notifier.GetStatus().QueueLength == 0)
        {
            time.Advance(KnowledgeStartup.ReachabilityInterval);
            await Task.Delay(50, checkLimit.Token);
        }

        using var sendLimit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await notifier.SendNextAsync(sendLimit.Token);
        await startup.StopAsync(CancellationToken.None);

        var message = Assert.Single(gotify.AcceptedMessages);
        Assert.Equal("ChromaDB is down", message.GetProperty("title").GetString());

        // Only the reachability check requests the version, so this message came from it. On a busy
        // machine the refused request can end as "timed out" rather than "failed", which is still it.
        Assert.Contains("ChromaDB version ", message.GetProperty("message").GetString()!.Replace("\\", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private static async Task WaitForKnowledgeReadyAsync(FakeLogCollector logs)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            var messages = logs.GetSnapshot().Where(record => record.Category == typeof(KnowledgeStartup).FullName).Select(record => record.Message).ToList();
            if (messages.Any(message => message.StartsWith("Knowledge base ready", StringComparison.Ordinal)))
            {
                return;
            }

            // A failed preparation is retried only after a delay on the fake clock, which nothing moves yet.
            Assert.DoesNotContain(messages, message => message.StartsWith("Preparing the knowledge base failed", StringComparison.Ordinal));
            await Task.Delay(50, limit.Token);
        }
    }

    private static Task<KnowledgeTestBed> StartAsync(Uri chromaUrl, IndexNotReadyInjector faults) =>
        KnowledgeTestBed.StartAsync(chromaUrl, configureServices: services =>
            services.AddHttpClient(ChromaClientProvider.HttpClientName).AddHttpMessageHandler(() => new FaultHandler(faults)));

    /// <summary>Which query requests get the injected 500, shared by every handler the client factory builds.</summary>
    private sealed class IndexNotReadyInjector(string body = IndexNotReadyBody)
    {
        private int _remaining;
        private int _queriesSeen;

        public string Body { get; } = body;

        /// <summary>Injected failures not used yet.</summary>
        public int Remaining => Math.Max(0, Volatile.Read(ref _remaining));

        /// <summary>Query requests seen since <see cref="Arm"/>, failed or passed on.</summary>
        public int QueriesSeen => Volatile.Read(ref _queriesSeen);

        public void Arm(int failures)
        {
            Volatile.Write(ref _queriesSeen, 0);
            Volatile.Write(ref _remaining, failures);
        }

        /// <summary>Counts one query and returns whether it gets the injected failure.</summary>
        public bool CountQuery()
        {
            Interlocked.Increment(ref _queriesSeen);
            return Interlocked.Decrement(ref _remaining) >= 0;
        }
    }

    // Sits inside the resilience handler, next to the socket, so every retry attempt passes through it.
    private sealed class FaultHandler(IndexNotReadyInjector faults) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath.EndsWith("/query", StringComparison.Ordinal) && faults.CountQuery())
            {
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.InternalServerError)
                {
                    Content = new StringContent(faults.Body, Encoding.UTF8, "application/json"),
                    RequestMessage = request,
                });
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
