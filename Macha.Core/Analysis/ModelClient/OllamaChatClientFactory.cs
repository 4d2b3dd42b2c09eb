using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Macha.Core.Analysis.ModelClient;

/// <summary>Builds Macha's <see cref="IChatClient"/> for Ollama from <see cref="AnalysisOptions"/>.</summary>
internal static class OllamaChatClientFactory
{
    /// <summary>Name of the Ollama option for the context size; OllamaSharp reads it from ChatOptions.AdditionalProperties.</summary>
    public const string ContextTokensOption = "num_ctx";

    /// <summary>
    /// Builds the pipeline, outermost first: defaults for the model, num_ctx and temperature (a caller's
    /// own values win); <see cref="ToolCallRecoveringChatClient"/>; OllamaSharp's client (<see cref="CancellableOllamaApiClient"/>) on an
    /// HttpClient whose timeout is <see cref="AnalysisOptions.RequestTimeout"/> and whose handler turns
    /// Ollama's error bodies into <see cref="ModelUnavailableException"/>. Disposing the result disposes
    /// the HttpClient.
    /// </summary>
    public static IChatClient Create(AnalysisOptions options, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(timeProvider);

        var handler = new OllamaHttpErrorHandler(options.Model, new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10) });
        var httpClient = new HttpClient(handler)
        {
            BaseAddress = options.OllamaUrl,
            Timeout = options.RequestTimeout,
        };
        var ollama = new HttpClientOwningChatClient(new CancellableOllamaApiClient(httpClient, options.Model), httpClient);

        var contextTokens = options.ContextTokens;
        var temperature = (float)options.Temperature;
        var model = options.Model;
        return new ChatClientBuilder(ollama)
            .ConfigureOptions(chatOptions =>
            {
                chatOptions.ModelId ??= model;
                chatOptions.Temperature ??= temperature;

                // OllamaSharp sends num_ctx inside the request's "options" object, where Ollama reads it;
                // without it Ollama uses its own default window and truncates longer prompts.
                chatOptions.AdditionalProperties ??= [];
                chatOptions.AdditionalProperties.TryAdd(ContextTokensOption, contextTokens);
            })
            .Use(inner => new ToolCallRecoveringChatClient(inner, options, loggerFactory.CreateLogger<ToolCallRecoveringChatClient>(), timeProvider))
            .Build();
    }

    /// <summary>OllamaApiClient does not dispose an HttpClient it was given, so this does.</summary>
    private sealed class HttpClientOwningChatClient(IChatClient innerClient, HttpClient httpClient) : DelegatingChatClient(innerClient)
    {
        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
            {
                httpClient.Dispose();
            }
        }
    }
}
