using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using ChatDoneResponseStream = OllamaSharp.Models.Chat.ChatDoneResponseStream;

namespace Macha.Core.Analysis.ModelClient;

/// <summary>
/// Wraps OllamaSharp's chat client to make Ollama's failures and quirks explicit: it recovers tool
/// calls written as text, throws <see cref="ModelUnavailableException"/> for every failure and
/// <see cref="ContextOverflowException"/> when Ollama silently truncated the prompt, and enforces
/// <see cref="AnalysisOptions.RequestTimeout"/> on streamed responses too.
/// </summary>
/// <remarks>
/// A response with recovered calls carries their number in <see cref="ChatResponse.AdditionalProperties"/>
/// under <see cref="RecoveredToolCallsKey"/>. Streamed tool calls need no repair: OllamaSharp 5.5.2
/// turns the tool_calls of every chunk, "done": false ones included, into FunctionCallContent of that
/// update, so a caller that merges all updates (ToChatResponseAsync) keeps them.
/// </remarks>
internal sealed partial class ToolCallRecoveringChatClient : DelegatingChatClient
{
    /// <summary>Key in AdditionalProperties whose value is the number of tool calls recovered from text.</summary>
    public const string RecoveredToolCallsKey = "macha.recovered_tool_calls";

    private readonly ConcurrentDictionary<string, long> _recoveriesByModel = new(StringComparer.Ordinal);
    private readonly AnalysisOptions _options;
    private readonly ILogger<ToolCallRecoveringChatClient> _logger;
    private readonly TimeProvider _timeProvider;

    public ToolCallRecoveringChatClient(IChatClient innerClient, AnalysisOptions options, ILogger<ToolCallRecoveringChatClient> logger, TimeProvider timeProvider)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger;
        _timeProvider = timeProvider;
    }

    /// <summary>Number of responses per model whose tool calls had to be recovered from text, since start.</summary>
    public IReadOnlyDictionary<string, long> RecoveriesByModel => _recoveriesByModel;

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var messageList = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var modelName = options?.ModelId ?? _options.Model;
        using var timeout = CreateTimeoutSource(cancellationToken);

        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(messageList, options, timeout.Token);
        }
        catch (Exception exception) when (Translate(exception, modelName, timeout, cancellationToken) is { } translated)
        {
            throw translated;
        }

        ThrowIfContextOverflow(messageList, options, response.Usage?.InputTokenCount, modelName);
        RecoverToolCalls(response, options, modelName);
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var messageList = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var modelName = options?.ModelId ?? _options.Model;
        var declaredTools = DeclaredToolNames(options);
        using var timeout = CreateTimeoutSource(cancellationToken);

        var state = new StreamState(declaredTools.Count > 0);
        await using var updates = base.GetStreamingResponseAsync(messageList, options, timeout.Token).GetAsyncEnumerator(timeout.Token);
        while (true)
        {
            ChatResponseUpdate update;
            try
            {
                if (!await updates.MoveNextAsync())
                {
                    break;
                }

                update = updates.Current;
            }
            catch (Exception exception) when (Translate(exception, modelName, timeout, cancellationToken) is { } translated)
            {
                throw translated;
            }

            foreach (var released in state.Add(update))
            {
                yield return released;
            }
        }

        if (!state.SawFinalChunk)
        {
            // OllamaSharp ends a stream quietly when its token is cancelled between two lines.
            cancellationToken.ThrowIfCancellationRequested();
            if (timeout.Token.IsCancellationRequested)
            {
                throw Translate(new OperationCanceledException(timeout.Token), modelName, timeout, cancellationToken)!;
            }

            throw OllamaErrors.StreamEndedEarly(_options.OllamaUrl, modelName);
        }

        var recovered = state.Holding ? TextToolCallParser.TryParse(state.Text, declaredTools) : null;
        foreach (var held in state.TakeHeld())
        {
            if (recovered is not null)
            {
                held.Contents = held.Contents.Where(content => content is not TextContent).ToList();
            }

            yield return held;
        }

        if (recovered is not null)
        {
            CountRecovery(modelName, recovered.Count);
            yield return new ChatResponseUpdate(ChatRole.Assistant, [.. recovered])
            {
                FinishReason = ChatFinishReason.ToolCalls,
                MessageId = state.LastMessageId,
                ResponseId = state.LastResponseId,
                ModelId = state.LastModelId,
                AdditionalProperties = new() { [RecoveredToolCallsKey] = recovered.Count },
            };
        }

        ThrowIfContextOverflow(messageList, options, state.PromptEvalCount, modelName);
    }

    private static HashSet<string> DeclaredToolNames(ChatOptions? options) =>
        options?.Tools?.OfType<AIFunctionDeclaration>().Select(tool => tool.Name).ToHashSet(StringComparer.Ordinal) ?? [];

    private RequestTimeout CreateTimeoutSource(CancellationToken cancellationToken) =>
        new(_options.RequestTimeout, _timeProvider, cancellationToken);

    /// <summary>
    /// Returns the exception to throw in place of <paramref name="exception"/>, or null to let it pass.
    /// Once the caller or the timeout cancelled, any exception is that cancellation, whatever the
    /// aborted read threw.
    /// </summary>
    private Exception? Translate(Exception exception, string modelName, RequestTimeout timeout, CancellationToken callerToken)
    {
        if (callerToken.IsCancellationRequested)
        {
            return exception is OperationCanceledException ? null : new OperationCanceledException(callerToken);
        }

        var translated = timeout.Token.IsCancellationRequested
            ? OllamaErrors.TimedOut(_options.OllamaUrl, modelName, _options.RequestTimeout, exception)
            : OllamaErrors.FromException(exception, _options.OllamaUrl, modelName, callerToken);
        if (translated is not null)
        {
            LogModelUnavailable(translated, modelName, translated.Reason);
        }

        return translated;
    }

    private void ThrowIfContextOverflow(IEnumerable<ChatMessage> messages, ChatOptions? options, long? promptEvalCount, string modelName)
    {
        var contextTokens = options?.AdditionalProperties?.TryGetValue("num_ctx", out int numCtx) == true ? numCtx : _options.ContextTokens;
        var estimatedTokens = ContextOverflowDetector.EstimatePromptTokens(messages, options);
        if (ContextOverflowDetector.IsOverflow(promptEvalCount, estimatedTokens, contextTokens))
        {
            LogContextOverflow(modelName, promptEvalCount ?? 0, estimatedTokens, contextTokens);
            throw new ContextOverflowException(modelName, estimatedTokens, promptEvalCount ?? 0, contextTokens);
        }
    }

    private void RecoverToolCalls(ChatResponse response, ChatOptions? options, string modelName)
    {
        var declaredTools = DeclaredToolNames(options);
        if (declaredTools.Count == 0 || response.Messages.Any(message => message.Contents.OfType<FunctionCallContent>().Any()))
        {
            return;
        }

        var recoveredCount = 0;
        foreach (var message in response.Messages.Where(message => message.Role == ChatRole.Assistant))
        {
            var calls = TextToolCallParser.TryParse(message.Text, declaredTools);
            if (calls is null)
            {
                continue;
            }

            message.Contents = [.. message.Contents.Where(content => content is not TextContent), .. calls];
            recoveredCount += calls.Count;
        }

        if (recoveredCount == 0)
        {
            return;
        }

        response.FinishReason = ChatFinishReason.ToolCalls;
        response.AdditionalProperties ??= [];
        response.AdditionalProperties[RecoveredToolCallsKey] = recoveredCount;
        CountRecovery(response.ModelId ?? modelName, recoveredCount);
    }

    private void CountRecovery(string modelName, int callCount)
    {
        var recoveries = _recoveriesByModel.AddOrUpdate(modelName, 1, static (_, count) => count + 1);
        LogToolCallsRecovered(callCount, modelName, recoveries);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovered {ToolCallCount} tool calls that model {ModelName} wrote as text instead of tool_calls; {RecoveryCount} such responses from this model since start, a sign to consider another model")]
    private partial void LogToolCallsRecovered(int toolCallCount, string modelName, long recoveryCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model request to {ModelName} failed: {ModelUnavailableReason}")]
    private partial void LogModelUnavailable(Exception exception, string modelName, ModelUnavailableReason modelUnavailableReason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {ModelName} evaluated {PromptEvalCount} prompt tokens of an estimated {EstimatedPromptTokens} with num_ctx {ContextTokens}; Ollama dropped the front of the prompt")]
    private partial void LogContextOverflow(string modelName, long promptEvalCount, int estimatedPromptTokens, int contextTokens);

    /// <summary>
    /// The streamed updates seen so far. While the text could still be a tool call written as text,
    /// because it starts with "{" or a fence, updates are held back. So a recovered call never reaches
    /// the caller as text first. Any other text is released at once.
    /// </summary>
    private sealed class StreamState(bool recoveryPossible)
    {
        private readonly List<ChatResponseUpdate> _held = [];
        private readonly System.Text.StringBuilder _text = new();
        private bool _released = !recoveryPossible;
        private char? _firstCharacter;

        public bool Holding => !_released;

        public string Text => _text.ToString();

        public bool SawFinalChunk { get; private set; }

        public long? PromptEvalCount { get; private set; }

        public string? LastMessageId { get; private set; }

        public string? LastResponseId { get; private set; }

        public string? LastModelId { get; private set; }

        public List<ChatResponseUpdate> Add(ChatResponseUpdate update)
        {
            SawFinalChunk |= update.FinishReason is not null || update.RawRepresentation is ChatDoneResponseStream;
            PromptEvalCount = update.Contents.OfType<UsageContent>().LastOrDefault()?.Details.InputTokenCount ?? PromptEvalCount;
            LastMessageId = update.MessageId ?? LastMessageId;
            LastResponseId = update.ResponseId ?? LastResponseId;
            LastModelId = update.ModelId ?? LastModelId;

            if (_released)
            {
                return [update];
            }

            var text = update.Text;
            _text.Append(text);
            _held.Add(update);
            _firstCharacter ??= text.TrimStart() is { Length: > 0 } trimmed ? trimmed[0] : null;
            var mayBeToolCall = _firstCharacter is null or '{' or '`';
            if (mayBeToolCall && !update.Contents.OfType<FunctionCallContent>().Any())
            {
                return [];
            }

            _released = true;
            return TakeHeld();
        }

        public List<ChatResponseUpdate> TakeHeld()
        {
            var held = _held.ToList();
            _held.Clear();
            return held;
        }
    }

    /// <summary>
    /// A token cancelled by the caller or after the request timeout. HttpClient.Timeout stops at the
    /// response headers when OllamaSharp streams, so the limit on the whole request, body included,
    /// is enforced here.
    /// </summary>
    private sealed class RequestTimeout : IDisposable
    {
        private readonly CancellationTokenSource _timeout;
        private readonly CancellationTokenSource _linked;

        public RequestTimeout(TimeSpan limit, TimeProvider timeProvider, CancellationToken cancellationToken)
        {
            _timeout = new CancellationTokenSource(limit, timeProvider);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timeout.Token);
        }

        public CancellationToken Token => _linked.Token;

        public void Dispose()
        {
            _linked.Dispose();
            _timeout.Dispose();
        }
    }
}
