using System.Text.Json;
using Macha.Tests.Fakes;
using Microsoft.Extensions.AI;

namespace Macha.Tests.Analysis.ModelClient;

public sealed class OllamaChatClientRequestTests
{
    [Fact]
    public async Task GetResponseAsync_PlainPrompt_SendsModelContextAndTemperature()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatText(ModelClientFixture.Model, "nginx failed to bind port 80."));

        var response = await fixture.Client.GetResponseAsync(ModelClientFixture.Prompt());

        var request = Assert.Single(fixture.Server.RequestBodies(FakeOllamaServer.Chat));
        Assert.Equal(ModelClientFixture.Model, request.GetProperty("model").GetString());
        Assert.Equal(ModelClientFixture.ContextTokens, request.GetProperty("options").GetProperty("num_ctx").GetInt32());
        Assert.Equal(ModelClientFixture.Temperature, request.GetProperty("options").GetProperty("temperature").GetDouble(), 5);
        Assert.False(request.GetProperty("stream").GetBoolean());
        Assert.False(request.TryGetProperty("num_ctx", out _));
        Assert.Equal("nginx failed to bind port 80.", response.Text);
    }

    [Fact]
    public async Task GetResponseAsync_CallerSetsOptions_CallerValuesWin()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatText("llama3.1", "ok"));
        var options = new ChatOptions { ModelId = "llama3.1", Temperature = 0.7f, AdditionalProperties = new() { ["num_ctx"] = 4096 } };

        await fixture.Client.GetResponseAsync(ModelClientFixture.Prompt(), options);

        var request = Assert.Single(fixture.Server.RequestBodies(FakeOllamaServer.Chat));
        Assert.Equal("llama3.1", request.GetProperty("model").GetString());
        Assert.Equal(4096, request.GetProperty("options").GetProperty("num_ctx").GetInt32());
        Assert.Equal(0.7, request.GetProperty("options").GetProperty("temperature").GetDouble(), 5);
    }

    [Fact]
    public async Task GetResponseAsync_ToolsDeclared_SendsEachToolWithItsSchema()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatText(ModelClientFixture.Model, "No tool needed."));

        await fixture.Client.GetResponseAsync(ModelClientFixture.Prompt(), ModelClientFixture.WithTools("unit_status", "journal_tail"));

        var tools = Assert.Single(fixture.Server.RequestBodies(FakeOllamaServer.Chat)).GetProperty("tools").EnumerateArray().ToList();
        Assert.Equal(["unit_status", "journal_tail"], tools.Select(tool => tool.GetProperty("function").GetProperty("name").GetString()));
        Assert.All(tools, tool => Assert.Equal("function", tool.GetProperty("type").GetString()));
        var parameters = tools[0].GetProperty("function").GetProperty("parameters");
        Assert.Equal("object", parameters.GetProperty("type").GetString());
        Assert.Equal("string", parameters.GetProperty("properties").GetProperty("unit").GetProperty("type").GetString());
        Assert.Equal(["unit"], parameters.GetProperty("required").EnumerateArray().Select(name => name.GetString()));
    }

    [Fact]
    public async Task GetResponseAsync_JsonSchemaRequested_SendsSchemaAsFormat()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatText(ModelClientFixture.Model, """{"diagnosis":"port in use"}"""));
        var schema = JsonDocument.Parse("""{"type":"object","properties":{"diagnosis":{"type":"string"}},"required":["diagnosis"]}""").RootElement;

        var response = await fixture.Client.GetResponseAsync(
            ModelClientFixture.Prompt(),
            new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(schema, "decision") });

        var format = Assert.Single(fixture.Server.RequestBodies(FakeOllamaServer.Chat)).GetProperty("format");
        Assert.Equal(JsonValueKind.Object, format.ValueKind);
        Assert.Equal("string", format.GetProperty("properties").GetProperty("diagnosis").GetProperty("type").GetString());
        Assert.Equal("""{"diagnosis":"port in use"}""", response.Text);
    }

    [Fact]
    public async Task GetResponseAsync_ProperToolCall_ReturnsFunctionCallWithArguments()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatToolCall(ModelClientFixture.Model, "unit_status", """{"unit":"nginx.service"}"""));

        var response = await fixture.Client.GetResponseAsync(ModelClientFixture.Prompt(), ModelClientFixture.WithTools("unit_status"));

        var call = Assert.Single(response.Messages.SelectMany(message => message.Contents).OfType<FunctionCallContent>());
        Assert.Equal("unit_status", call.Name);
        Assert.Equal("nginx.service", call.Arguments!["unit"]!.ToString());
        Assert.False(response.AdditionalProperties?.ContainsKey("macha.recovered_tool_calls") ?? false);
    }

    [Fact]
    public async Task GetResponseAsync_Answered_ReportsPromptEvalCountAsInputTokens()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatText(ModelClientFixture.Model, "ok", promptEvalCount: 583, evalCount: 39));

        var response = await fixture.Client.GetResponseAsync(ModelClientFixture.Prompt());

        Assert.Equal(583, response.Usage?.InputTokenCount);
        Assert.Equal(39, response.Usage?.OutputTokenCount);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_TextChunks_SendsStreamTrueAndJoinsText()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatTextStream(ModelClientFixture.Model, ["nginx ", "failed ", "to bind."]));

        var response = await fixture.Client.GetStreamingResponseAsync(ModelClientFixture.Prompt()).ToChatResponseAsync();

        var request = Assert.Single(fixture.Server.RequestBodies(FakeOllamaServer.Chat));
        Assert.True(request.GetProperty("stream").GetBoolean());
        Assert.Equal(ModelClientFixture.ContextTokens, request.GetProperty("options").GetProperty("num_ctx").GetInt32());
        Assert.Equal("nginx failed to bind.", response.Text);
    }

    [Fact]
    public async Task GetResponseAsync_ToolResultInHistory_SendsArgumentsAsObject()
    {
        // Case 027 input E: Ollama rejects a history whose tool arguments are a JSON string.
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatText(ModelClientFixture.Model, "done"));
        List<ChatMessage> history =
        [
            new(ChatRole.User, "Why did nginx.service fail?"),
            new(ChatRole.Assistant, [new FunctionCallContent("c1", "unit_status", new Dictionary<string, object?> { ["unit"] = "nginx.service" })]),
            new(ChatRole.Tool, [new FunctionResultContent("c1", "failed (Result: exit-code)")]),
        ];

        await fixture.Client.GetResponseAsync(history, ModelClientFixture.WithTools("unit_status"));

        var messages = Assert.Single(fixture.Server.RequestBodies(FakeOllamaServer.Chat)).GetProperty("messages").EnumerateArray().ToList();
        var arguments = messages[1].GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments");
        Assert.Equal(JsonValueKind.Object, arguments.ValueKind);
        Assert.Equal("nginx.service", arguments.GetProperty("unit").GetString());
        Assert.Equal("tool", messages[2].GetProperty("role").GetString());
    }
}
