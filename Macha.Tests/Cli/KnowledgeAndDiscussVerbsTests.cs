using System.Text.Json;
using Macha.Core.Analysis;
using Macha.Core.Approvals;
using Macha.Core.Hosts;
using Macha.Tests.Approvals;
using Macha.Tests.Fakes;
using Macha.Tests.Knowledge;
using Macha.Web.Cli;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Cli;

/// <summary>
/// The knowledge and discuss verbs against the real endpoints: the whole app on a loopback socket,
/// a real Chroma server, and the Ollama stand-in for embeddings and chat replies.
/// </summary>
[Collection(ChromaTestCollection.Name)]
public sealed class KnowledgeAndDiscussVerbsTests : IAsyncLifetime, IDisposable
{
    private const string Model = "qwen3:8b";

    private readonly ChromaServerFixture _chroma;
    private FakeOllamaServer _ollama = default!;
    private CliTestServer _server = default!;
    private CliRunner _cli = default!;

    public KnowledgeAndDiscussVerbsTests(ChromaServerFixture chroma)
    {
        _chroma = chroma;
    }

    public async Task InitializeAsync()
    {
        _ollama = (await FakeOllamaServer.StartAsync()).UseDeterministicEmbeddings(KnowledgeTestBed.Dimensions);
        _server = new CliTestServer(factory => factory
            .WithSetting("Macha:Analysis:Enabled", "true")
            .WithSetting("Macha:Analysis:OllamaUrl", _ollama.Uri.ToString())
            .WithSetting("Macha:Analysis:RequestTimeout", "00:00:20")
            .WithSetting("Macha:Knowledge:ChromaUrl", _chroma.Server.Uri.ToString())
            .WithSetting("Macha:Knowledge:Database", $"cli-{Guid.NewGuid():N}")
            .WithSetting("Macha:Knowledge:MinSimilarity", "0.2")
            .WithSetting("Macha:Knowledge:SeedNotes", "false")
            .WithServices(services =>
            {
                // The start-up cycle's incidents must not use up the chat replies scripted for the discussion.
                foreach (var worker in services.Where(d => d.ImplementationType == typeof(AnalysisWorker)).ToList())
                {
                    services.Remove(worker);
                }
            }));
        _cli = new CliRunner(_server.Url);
    }

    public async Task DisposeAsync()
    {
        _server.Dispose();
        await _ollama.DisposeAsync();
    }

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task KnowledgeAddSearchDelete_Note_RoundTrips()
    {
        var added = await _cli.RunAsync("knowledge", "add", "--title", "Backups on web1", "--text", "restic backs up /srv every night from a systemd timer", "--tag", "backup", "--json");
        Assert.Equal(ExitCodes.Success, added.ExitCode);
        var id = JsonDocument.Parse(added.Output).RootElement.GetProperty("id").GetString()!;

        var search = await SearchUntilFoundAsync("restic backup timer", id);
        var deleted = await _cli.RunAsync("knowledge", "delete", id);
        var deletedAgain = await _cli.RunAsync("knowledge", "delete", id);

        var line = Assert.Single(search.Output.Split('\n'), l => l.Contains(id, StringComparison.Ordinal));
        Assert.Contains("knowledge", line, StringComparison.Ordinal);
        Assert.Contains("Backups on web1", line, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Success, deleted.ExitCode);
        Assert.Equal($"Deleted note {id}.", deleted.Output.Trim());
        Assert.Equal(ExitCodes.NotFound, deletedAgain.ExitCode);
        Assert.Contains("404", deletedAgain.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KnowledgeAdd_InvalidTag_Exits1()
    {
        var result = await _cli.RunAsync("knowledge", "add", "--title", "Tags", "--text", "A note.", "--tag", "has space");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("400", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApproveDiscuss_Message_PrintsReplyAndKeepsIt()
    {
        var id = await EnqueueApprovalAsync();
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "The restart is safe: nginx has no open connections to lose."));

        var reply = await _cli.RunAsync("approve", "discuss", id.ToString(), "--message", "Is this restart safe?");
        var conversation = await _cli.RunAsync("approve", "discuss", id.ToString(), "--json");

        Assert.Equal(ExitCodes.Success, reply.ExitCode);
        Assert.Contains($"{Model} (Assistant):", reply.Output, StringComparison.Ordinal);
        Assert.Contains("The restart is safe", reply.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Success, conversation.ExitCode);
        var messages = JsonDocument.Parse(conversation.Output).RootElement.EnumerateArray().ToList();
        Assert.Equal(2, messages.Count);
        Assert.Equal("Is this restart safe?", messages[0].GetProperty("text").GetString());
        Assert.Contains("systemctl", _ollama.RequestBodies(FakeOllamaServer.Chat).Single().GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IncidentsDiscuss_Message_PrintsReply()
    {
        var incidentId = await AddLocalIncidentAsync();
        _ollama.EnqueueChat(FakeOllamaResponses.ChatText(Model, "nginx failed after a reload with a bad configuration."));

        var reply = await _cli.RunAsync("incidents", "discuss", incidentId.ToString(), "-m", "Why did nginx fail?");

        Assert.Equal(ExitCodes.Success, reply.ExitCode);
        Assert.Contains("bad configuration", reply.Output, StringComparison.Ordinal);
        Assert.Contains("Why did nginx fail?", _ollama.RequestBodies(FakeOllamaServer.Chat).Single().GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApproveDiscuss_UnknownApproval_Exits3()
    {
        var result = await _cli.RunAsync("approve", "discuss", Guid.NewGuid().ToString());

        Assert.Equal(ExitCodes.NotFound, result.ExitCode);
    }

    /// <summary>Searches until the note appears, because Chroma 1.0.0 can miss a record for a moment while it indexes it.</summary>
    private async Task<CliResult> SearchUntilFoundAsync(string query, string id)
    {
        for (var attempt = 0; ; attempt++)
        {
            var result = await _cli.RunAsync("knowledge", "search", query, "--collection", "knowledge", "--limit", "5");
            if (attempt >= 150 || result.Output.Contains(id, StringComparison.Ordinal))
            {
                return result;
            }

            await Task.Delay(200);
        }
    }

    private async Task<Guid> EnqueueApprovalAsync()
    {
        // On the machine Macha runs on, so the model's read-only tools have a host to run on.
        var hostName = _server.Services.GetRequiredService<IHostInventory>().GetHosts()[0].HostName;
        var queue = _server.Services.GetRequiredService<ApprovalQueue>();
        var result = await queue.EnqueueAsync(ApprovalTestData.Request($"test:{Guid.NewGuid()}") with { HostName = hostName });
        return result.Approval.Id;
    }

    private async Task<Guid> AddLocalIncidentAsync()
    {
        var hostName = _server.Services.GetRequiredService<IHostInventory>().GetHosts()[0].HostName;
        var incidentId = Guid.NewGuid();
        await DashboardVerbsTestData.AddIncidentAsync(_server.Services, hostName, incidentId);
        return incidentId;
    }
}
