using System.Text.Json;
using Macha.Core.Analysis.ModelClient;
using Macha.Tests.Fakes;
using Microsoft.Extensions.AI;

namespace Macha.Tests.Analysis.ModelClient;

public sealed class ToolCallRecoveringChatClientTests
{
    [Fact]
    public async Task GetResponseAsync_Case024InputA_RecoversRagCall()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ToolCallInContent('A'));

        var response = await fixture.Client.GetResponseAsync(ModelClientFixture.Prompt(), ModelClientFixture.WithTools("LLM_Tool_RAG"));

        var call = Assert.Single(Calls(response));
        Assert.Equal("LLM_Tool_RAG", call.Name);
        Assert.Equal("accidents, tribunal de Versailles", Argument(call, "term"));
        Assert.Equal("accidents tribunal Versailles jugements", Argument(call, "vector"));
        Assert.Equal(2, call.Arguments!.Count);
        Assert.Equal(string.Empty, response.Text);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal(1, response.AdditionalProperties![ToolCallRecoveringChatClient.RecoveredToolCallsKey]);
    }

    [Fact]
    public async Task GetResponseAsync_Case024InputB_RecoversFencedCallWithParameters()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ToolCallInContent('B'));

        var response = await fixture.Client.GetResponseAsync(ModelClientFixture.Prompt(), ModelClientFixture.WithTools("query_web_search"));

        var call = Assert.Single(Calls(response));
        Assert.Equal("query_web_search", call.Name);
        Assert.Equal("install ollama models", Argument(call, "query"));
        Assert.Single(call.Arguments!);
    }

    [Fact]
    public async Task GetResponseAsync_Case024InputC_RecoversBothWhitespaceSeparatedCalls()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ToolCallInContent('C'));

        var response = await fixture.Client.GetResponseAsync(ModelClientFixture.Prompt(), ModelClientFixture.WithTools("weather", "cityAttractions"));

        var calls = Calls(response);
        Assert.Equal(["weather", "cityAttractions"], calls.Select(call => call.Name));
        Assert.Equal("San Francisco", Argument(calls[0], "location"));
        Assert.Equal("San Francisco", Argument(calls[1], "city"));
        Assert.NotEqual(calls[0].CallId, calls[1].CallId);
        Assert.Equal(2, response.AdditionalProperties![ToolCallRecoveringChatClient.RecoveredToolCallsKey]);
    }

    [Fact]
    public async Task GetResponseAsync_Case024InputD_RecoversRepeatStringCall()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ToolCallInContent('D'));

        var response = await fixture.Client.GetResponseAsync(ModelClientFixture.Prompt(), ModelClientFixture.WithTools("repeat_string"));

        var call = Assert.Single(Calls(response));
        Assert.Equal("repeat_string", call.Name);
        Assert.Equal("bar", Argument(call, "string"));
    }

    [Theory]
    [InlineData('A')]
    [InlineData('B')]
    [InlineData('C')]
    [InlineData('D')]
    public async Task GetResponseAsync_Case024UndeclaredTool_KeepsText(char input)
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ToolCallInContent(input));

        var response = await fixture.Client.GetResponseAsync(ModelClientFixture.Prompt(), ModelClientFixture.WithTools("unit_status"));

        Assert.Empty(Calls(response));
        Assert.Contains("\"name\"", response.Text, StringComparison.Ordinal);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public async Task GetResponseAsync_Case024NoToolsDeclared_KeepsText()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ToolCallInContent('A'));

        var response = await fixture.Client.GetResponseAsync(ModelClientFixture.Prompt());

        Assert.Empty(Calls(response));
        Assert.StartsWith("{\"name\": \"LLM_Tool_RAG\"", response.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResponseAsync_CallInsideProse_KeepsText()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        const string prose = """I would call {"name": "unit_status", "arguments": {"unit": "nginx.service"}} to check.""";
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatText(ModelClientFixture.Model, prose));

        var response = await fixture.Client.GetResponseAsync(ModelClientFixture.Prompt(), ModelClientFixture.WithTools("unit_status"));

        Assert.Empty(Calls(response));
        Assert.Equal(prose, response.Text);
    }

    [Fact]
    public async Task GetResponseAsync_Recovered_CountsRecoveriesPerModel()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ToolCallInContent('A')).EnqueueChat(FakeOllamaResponses.ToolCallInContent('D'));

        await fixture.Client.GetResponseAsync(ModelClientFixture.Prompt(), ModelClientFixture.WithTools("LLM_Tool_RAG"));
        await fixture.Client.GetResponseAsync(ModelClientFixture.Prompt(), ModelClientFixture.WithTools("repeat_string"));

        Assert.Equal(2, fixture.Recovering.RecoveriesByModel["qwen3:32b"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetStreamingResponseAsync_Case025InputA_KeepsCallFromNotDoneChunk(bool splitLines)
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.StreamedToolCallInNotDoneChunk(splitLines));

        var response = await fixture.Client
            .GetStreamingResponseAsync(ModelClientFixture.Prompt(), ModelClientFixture.WithTools("query_contact_manager"))
            .ToChatResponseAsync();

        var call = Assert.Single(Calls(response));
        Assert.Equal("query_contact_manager", call.Name);
        Assert.Equal("Add a new contact named Charlie with email charlie@example.com, role CFO, company Z", Argument(call, "query"));
        Assert.Equal(string.Empty, response.Text);
        Assert.Empty(fixture.Recovering.RecoveriesByModel);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_Case025InputB_KeepsArrayTokensAsText()
    {
        // The recorded chunks stop at '[{"name":"'; an array is not a call under the strict rule either.
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.StreamedToolCallAsContentTokens(withFinalChunk: true));

        var response = await fixture.Client
            .GetStreamingResponseAsync(ModelClientFixture.Prompt(), ModelClientFixture.WithTools("name"))
            .ToChatResponseAsync();

        Assert.Empty(Calls(response));
        Assert.Equal("[{\"name\":\"", response.Text);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_Case025InputBWithoutFinalChunk_ThrowsServerError()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.StreamedToolCallAsContentTokens(withFinalChunk: false));

        var exception = await Assert.ThrowsAsync<ModelUnavailableException>(() =>
            fixture.Client.GetStreamingResponseAsync(ModelClientFixture.Prompt()).ToChatResponseAsync());

        Assert.Equal(ModelUnavailableReason.ServerError, exception.Reason);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_CallStreamedAsContentTokens_RecoversCallWithoutText()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatTextStream(
            ModelClientFixture.Model,
            ["{\"", "name", "\": \"", "unit_status", "\", \"arguments\": {\"unit\": \"nginx.service\"}}"]));

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in fixture.Client.GetStreamingResponseAsync(ModelClientFixture.Prompt(), ModelClientFixture.WithTools("unit_status")))
        {
            updates.Add(update);
        }

        var call = Assert.Single(updates.SelectMany(update => update.Contents).OfType<FunctionCallContent>());
        Assert.Equal("nginx.service", Argument(call, "unit"));
        Assert.All(updates, update => Assert.Equal(string.Empty, update.Text));
        Assert.Equal(1, fixture.Recovering.RecoveriesByModel[ModelClientFixture.Model]);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ProseWithToolsDeclared_StreamsTextUnchanged()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatTextStream(ModelClientFixture.Model, ["The unit ", "failed ", "{twice}."]));

        var response = await fixture.Client
            .GetStreamingResponseAsync(ModelClientFixture.Prompt(), ModelClientFixture.WithTools("unit_status"))
            .ToChatResponseAsync();

        Assert.Empty(Calls(response));
        Assert.Equal("The unit failed {twice}.", response.Text);
    }

    private static List<FunctionCallContent> Calls(ChatResponse response) =>
        [.. response.Messages.SelectMany(message => message.Contents).OfType<FunctionCallContent>()];

    private static string? Argument(FunctionCallContent call, string name) => call.Arguments![name] switch
    {
        JsonElement element => element.GetString(),
        var value => value?.ToString(),
    };
}
