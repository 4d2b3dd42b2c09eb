using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OllamaSharp;
using OllamaSharp.Models;

namespace Macha.Core.Analysis.MapReduce;

/// <summary>The result of reducing a cached output for one question.</summary>
/// <param name="Text">The model's notes on the whole output, or a fixed sentence for an empty output.</param>
/// <param name="ChunkCount">Chunks the output was split into, one map call each.</param>
/// <param name="ReduceLevels">Rounds of merging notes after the map step; 0 when one chunk sufficed.</param>
internal sealed record OutputReduction(string CachedOutputId, string Text, int ModelCalls, int ChunkCount, int ReduceLevels);

/// <summary>
/// Shrinks a cached output that is too big for a prompt into notes that answer a question: splits
/// it at line boundaries into chunks that fit the context window, asks the model for notes on each
/// chunk (map), then merges the notes group by group (reduce) until one set remains.
/// </summary>
internal sealed partial class OutputReducer
{
    /// <summary>The result text for an output with no bytes, which costs no model call.</summary>
    public const string EmptyOutputText = "The output is empty.";

    private const string EmptyAnswerText = "(The model returned no notes for these lines.)";
    private const string CutSummaryMarker = " [… notes cut to fit the context]";

    private readonly LargeOutputCache _cache;
    private readonly IModelRequestQueue _queue;
    private readonly IChatClient _chatClient;
    private readonly IOptionsMonitor<AnalysisOptions> _analysisOptions;
    private readonly IOptionsMonitor<MapReduceOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<OutputReducer> _logger;

    public OutputReducer(
        LargeOutputCache cache,
        IModelRequestQueue queue,
        IChatClient chatClient,
        IOptionsMonitor<AnalysisOptions> analysisOptions,
        IOptionsMonitor<MapReduceOptions> options,
        TimeProvider timeProvider,
        ILogger<OutputReducer> logger)
    {
        _cache = cache;
        _queue = queue;
        _chatClient = chatClient;
        _analysisOptions = analysisOptions;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>
    /// Reduces the cached output <paramref name="cachedOutputId"/> to notes on
    /// <paramref name="question"/>. Every model call goes through the model-request queue at
    /// <paramref name="priority"/>, and every prompt's estimate plus the answer budget fits
    /// <see cref="AnalysisOptions.ContextTokens"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The id is not a cache id, or the question is empty or longer than a quarter of the context.</exception>
    /// <exception cref="OutputReductionException">
    /// The output is missing or expired, it needs more than <see cref="MapReduceOptions.MaxModelCalls"/>
    /// calls (checked before the first call for the map step, before each reduce round for the rest),
    /// or the context is too small to leave room for data.
    /// </exception>
    /// <exception cref="ModelRequestTimeoutException">A model call exceeded the queue's timeout.</exception>
    /// <exception cref="OperationCanceledException">The caller cancelled, between or during calls.</exception>
    /// <remarks>Exceptions of the chat client other than these propagate unchanged.</remarks>
    public async Task<OutputReduction> ReduceAsync(
        string cachedOutputId,
        string question,
        ModelRequestPriority priority,
        CancellationToken cancellationToken = default)
    {
        if (!LargeOutputCache.IsValidId(cachedOutputId))
        {
            throw new ArgumentException("The id is not a cached output id; ids are 32 lowercase hexadecimal digits.", nameof(cachedOutputId));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(question);

        var started = _timeProvider.GetTimestamp();
        var info = await _cache.GetInfoAsync(cachedOutputId, cancellationToken)
            ?? throw new OutputReductionException($"Cached output {cachedOutputId} was not found; it may have expired.");
        if (info.ByteSize == 0)
        {
            return new OutputReduction(cachedOutputId, EmptyOutputText, 0, 0, 0);
        }

        var analysis = _analysisOptions.CurrentValue;
        var options = _options.CurrentValue;
        var prompts = new ReductionPrompts(cachedOutputId, info.Description, question, options.AnswerTokens);
        var questionTokens = TokenBudget.Estimate(prompts.Question);
        if (questionTokens > analysis.ContextTokens / 4)
        {
            throw new ArgumentException(
                $"The question is about {questionTokens} tokens; at most a quarter of Macha:Analysis:ContextTokens ({analysis.ContextTokens / 4}) fits.",
                nameof(question));
        }

        var budget = TokenBudget.Create(analysis.ContextTokens, options.AnswerTokens, prompts.EstimateFixedTokens());
        var run = new ReductionRun(this, prompts, budget, CreateChatOptions(analysis, options), priority, options.MaxModelCalls, cachedOutputId);

        var chunkCount = await CountChunksAsync(cachedOutputId, budget, options.MaxModelCalls, cancellationToken);
        var requiredCalls = chunkCount + (chunkCount > 1 ? 1 : 0);
        if (requiredCalls > options.MaxModelCalls)
        {
            throw new OutputReductionException(string.Create(
                CultureInfo.InvariantCulture,
                $"Cached output {cachedOutputId} ({info.ByteSize} bytes) needs more than {options.MaxModelCalls} model calls at {analysis.ContextTokens} tokens of context, "
                + $"the limit set by Macha:Analysis:MapReduce:MaxModelCalls. Read parts of it by line range instead, or raise the limit."));
        }

        var summaries = new List<PartialSummary>(chunkCount);
        var part = 0;
        await foreach (var chunk in OutputChunker.ChunkAsync(_cache.ReadAllLinesAsync(cachedOutputId, cancellationToken), budget.ChunkTokens, cancellationToken))
        {
            part++;
            var description = $"summarise cached output {cachedOutputId}: part {part} of {chunkCount}";
            var answer = await run.CallAsync(prompts.Map(chunk, part, chunkCount, info.LineCount), description, cancellationToken);
            summaries.Add(run.ToSummary(chunk.FirstLine, chunk.FirstLine + chunk.LineCount, answer));
        }

        var levels = 0;
        while (summaries.Count > 1)
        {
            levels++;
            summaries = await run.ReduceLevelAsync(summaries, levels, cancellationToken);
        }

        var elapsedMs = (long)_timeProvider.GetElapsedTime(started).TotalMilliseconds;
        LogReduced(cachedOutputId, chunkCount, run.CallCount, levels, elapsedMs);
        return new OutputReduction(cachedOutputId, summaries[0].Text, run.CallCount, chunkCount, levels);
    }

    private async Task<int> CountChunksAsync(string id, TokenBudget budget, int maxModelCalls, CancellationToken cancellationToken)
    {
        // A first pass over the file, without model calls, so an output that needs too many calls fails
        // before it takes the GPU at all. It stops as soon as the limit is passed.
        var count = 0;
        await foreach (var _ in OutputChunker.ChunkAsync(_cache.ReadAllLinesAsync(id, cancellationToken), budget.ChunkTokens, cancellationToken))
        {
            if (++count > maxModelCalls)
            {
                break;
            }
        }

        return count;
    }

    private static ChatOptions CreateChatOptions(AnalysisOptions analysis, MapReduceOptions options)
    {
        var chatOptions = new ChatOptions
        {
            ModelId = analysis.Model,
            Temperature = (float)analysis.Temperature,
            // NOTE: a thinking model spends part of num_predict on its thinking, which can cut notes short.
            MaxOutputTokens = options.AnswerTokens,
        };
        return chatOptions.AddOllamaOption(OllamaOption.NumCtx, analysis.ContextTokens);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reduced cached output {OutputId}: {ChunkCount} chunks, {ModelCalls} model calls, {ReduceLevels} reduce levels in {ElapsedMs} ms")]
    private partial void LogReduced(string outputId, int chunkCount, int modelCalls, int reduceLevels, long elapsedMs);

    /// <summary>The state of one reduction: its prompts, budget and the calls made so far.</summary>
    private sealed class ReductionRun(
        OutputReducer reducer,
        ReductionPrompts prompts,
        TokenBudget budget,
        ChatOptions chatOptions,
        ModelRequestPriority priority,
        int maxModelCalls,
        string outputId)
    {
        public int CallCount { get; private set; }

        /// <summary>Packs consecutive summaries into groups that fit one prompt, and merges each group.</summary>
        public async Task<List<PartialSummary>> ReduceLevelAsync(List<PartialSummary> summaries, int level, CancellationToken cancellationToken)
        {
            var groups = Group(summaries);
            if (CallCount + groups.Count > maxModelCalls)
            {
                throw new OutputReductionException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Cached output {outputId} needs more than {maxModelCalls} model calls: {CallCount} made, {groups.Count} more to merge notes at level {level}. "
                    + $"Macha:Analysis:MapReduce:MaxModelCalls sets the limit; read parts of the output by line range instead, or raise it."));
            }

            var merged = new List<PartialSummary>(groups.Count);
            for (var i = 0; i < groups.Count; i++)
            {
                var group = groups[i];
                var description = $"merge notes on cached output {outputId}: level {level}, group {i + 1} of {groups.Count}";
                var answer = await CallAsync(prompts.Reduce(group), description, cancellationToken);
                merged.Add(ToSummary(group[0].FirstLine, group[^1].EndLine, answer));
            }

            return merged;
        }

        public async Task<string> CallAsync(string userPrompt, string description, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (CallCount >= maxModelCalls)
            {
                throw new OutputReductionException($"Cached output {outputId} needs more than {maxModelCalls} model calls, the limit set by Macha:Analysis:MapReduce:MaxModelCalls.");
            }

            var promptTokens = TokenBudget.Estimate(prompts.SystemPrompt) + TokenBudget.Estimate(userPrompt) + (2 * TokenBudget.MessageOverheadTokens);
            if (promptTokens > budget.MaxPromptTokens)
            {
                // The chunker and the grouping keep every prompt within the budget; reaching this is a bug.
                throw new InvalidOperationException($"A prompt of about {promptTokens} tokens exceeds the budget of {budget.MaxPromptTokens}.");
            }

            ChatMessage[] messages =
            [
                new(ChatRole.System, prompts.SystemPrompt),
                new(ChatRole.User, userPrompt),
            ];
            CallCount++;
            var response = await reducer._queue.RunAsync(
                priority,
                description,
                token => reducer._chatClient.GetResponseAsync(messages, chatOptions, token),
                cancellationToken: cancellationToken);
            return response.Text;
        }

        /// <summary>
        /// Cleans a model answer and cuts it to a quarter of the chunk room, so that every reduce
        /// group holds at least three summaries and each level shrinks the list.
        /// </summary>
        public PartialSummary ToSummary(long firstLine, long endLine, string answer)
        {
            var text = OutputTextSanitizer.SanitizeText(answer).Trim();
            if (text.Length == 0)
            {
                text = EmptyAnswerText;
            }

            var summary = new PartialSummary(firstLine, endLine, text);
            var maxItemTokens = budget.ChunkTokens / 4;
            if (ReductionPrompts.EstimateItemTokens(summary) <= maxItemTokens)
            {
                return summary;
            }

            var overhead = ReductionPrompts.EstimateItemTokens(summary with { Text = string.Empty }) + TokenBudget.Estimate(CutSummaryMarker);
            var keptText = TokenBudget.CutToTokens(text, maxItemTokens - overhead);
            return summary with { Text = keptText + CutSummaryMarker };
        }

        private List<List<PartialSummary>> Group(List<PartialSummary> summaries)
        {
            var groups = new List<List<PartialSummary>>();
            var current = new List<PartialSummary>();
            var tokens = 0;
            foreach (var summary in summaries)
            {
                var cost = ReductionPrompts.EstimateItemTokens(summary);
                if (current.Count > 0 && tokens + cost > budget.ChunkTokens)
                {
                    groups.Add(current);
                    current = [];
                    tokens = 0;
                }

                current.Add(summary);
                tokens += cost;
            }

            groups.Add(current);
            return groups;
        }
    }
}
