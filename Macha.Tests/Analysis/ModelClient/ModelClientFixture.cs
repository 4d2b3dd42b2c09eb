using System.Text.Json;
using Macha.Core.Analysis;
using Macha.Core.Analysis.ModelClient;
using Macha.Tests.Fakes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Analysis.ModelClient;

/// <summary>A <see cref="FakeOllamaServer"/> and Macha's chat client pointed at it, per test.</summary>
internal sealed class ModelClientFixture : IAsyncDisposable
{
    public const string Model = "qwen3:8b";
    public const int ContextTokens = 8192;
    public const double Temperature = 0.1;

    private ModelClientFixture(FakeOllamaServer server, AnalysisOptions options)
    {
        Server = server;
        Options = options;
        Client = OllamaChatClientFactory.Create(options, NullLoggerFactory.Instance, TimeProvider.System);
    }

    public FakeOllamaServer Server { get; }

    public AnalysisOptions Options { get; }

    public IChatClient Client { get; }

    public ToolCallRecoveringChatClient Recovering => Client.GetService<ToolCallRecoveringChatClient>()!;

    public static async Task<ModelClientFixture> StartAsync(TimeSpan? requestTimeout = null)
    {
        var server = await FakeOllamaServer.StartAsync();
        var options = new AnalysisOptions
        {
            OllamaUrl = server.Uri,
            Model = Model,
            ContextTokens = ContextTokens,
            Temperature = Temperature,
            RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(30),
        };
        return new ModelClientFixture(server, options);
    }

    /// <summary>Options declaring the named tools, each taking one string argument.</summary>
    public static ChatOptions WithTools(params string[] toolNames) => new()
    {
        Tools = [.. toolNames.Select(name => (AITool)AIFunctionFactory.CreateDeclaration(name, $"Test tool {name}.", ToolSchema))],
    };

    public static JsonElement ToolSchema { get; } = JsonDocument.Parse(
        """{"type":"object","properties":{"unit":{"type":"string","description":"systemd unit name"}},"required":["unit"]}""").RootElement.Clone();

    public static List<ChatMessage> Prompt(string text = "Why did nginx.service fail?") => [new(ChatRole.User, text)];

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
