using System.Diagnostics;
using System.Text.Json;
using Macha.Core.Analysis.Decisions;
using Macha.Core.Analysis.MapReduce;
using Macha.Core.Analysis.ModelClient;
using Macha.Core.Analysis.Tools;
using Macha.Core.Hosts;
using Macha.Core.Incidents;
using Macha.Core.Knowledge;
using Macha.Core.Monitoring;
using Macha.Core.Notifications;
using Macha.Core.Storage;
using Macha.Core.Storage.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Analysis;

/// <summary>
/// Asks the model to diagnose one incident: a bounded prompt, up to MaxToolRounds rounds of
/// read-only tool calls, then a final answer in the decision schema, validated, with one repair
/// attempt. Any failure is recorded as "analysis failed" with its reason, never as health.
/// </summary>
internal sealed partial class IncidentAnalyst
{
    /// <summary>Longest tool output passed back to the model, in characters; longer output is cut with a marker.</summary>
    private const int MaxToolOutputCharacters = 4000;

    private readonly IChatClient _chat;
    private readonly IModelRequestQueue _queue;
    private readonly OutputReducer _reducer;
    private readonly IReadOnlyDictionary<string, IAnalysisTool> _tools;
    private readonly IHostInventory _inventory;
    private readonly IDbContextFactory<MachaDbContext> _databases;
    private readonly IAuditLog _audit;
    private readonly IOptionsMonitor<AnalysisOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<IncidentAnalyst> _logger;
    private readonly INotificationSink? _notifications;
    private readonly KnowledgeRetriever? _retriever;
    private readonly IOptionsMonitor<KnowledgeOptions>? _knowledgeOptions;

    public IncidentAnalyst(
        IChatClient chat,
        IModelRequestQueue queue,
        OutputReducer reducer,
        IEnumerable<IAnalysisTool> tools,
        IHostInventory inventory,
        IDbContextFactory<MachaDbContext> databases,
        IAuditLog audit,
        IOptionsMonitor<AnalysisOptions> options,
        TimeProvider timeProvider,
        ILogger<IncidentAnalyst> logger,
        INotificationSink? notifications = null,
        KnowledgeRetriever? retriever = null,
        IOptionsMonitor<KnowledgeOptions>? knowledgeOptions = null)
    {
        _chat = chat;
        _queue = queue;
        _reducer = reducer;
        _tools = tools.ToDictionary(tool => tool.Name, StringComparer.Ordinal);
        _inventory = inventory;
        _databases = databases;
        _audit = audit;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _notifications = notifications;
        _retriever = retriever;
        _knowledgeOptions = knowledgeOptions;
    }

    /// <summary>Runs the queued analysis with this id and stores its outcome.</summary>
    public async Task<AnalysisRecord> AnalyzeAsync(Guid analysisId, CancellationToken cancellationToken = default)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var record = await db.Analyses.SingleAsync(a => a.Id == analysisId, cancellationToken);
        var incident = await db.Incidents.AsNoTracking().SingleAsync(i => i.Id == record.IncidentId, cancellationToken);
        var snapshotJson = await db.Snapshots
            .Where(s => s.HostName == incident.HostName)
            .OrderByDescending(s => s.Id)
            .Select(s => s.Json)
            .FirstOrDefaultAsync(cancellationToken);

        record.State = AnalysisState.Running;
        record.StartedAt = _timeProvider.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);

        var run = new AnalysisRun(record);
        try
        {
            var decision = await DecideAsync(incident, snapshotJson is null ? null : SnapshotJson.Deserialize(snapshotJson), run, cancellationToken);
            record.State = AnalysisState.Succeeded;
            record.DecisionJson = JsonSerializer.Serialize(decision);
            LogAnalysisSucceeded(record.Id, incident.HostName, incident.Fingerprint, run.ModelCalls, decision.ProposedActions.Count);
            ReportModelServer(isDown: false, "Ollama answered an analysis request.");
        }
        catch (AnalysisFailedException ex)
        {
            Fail(record, ex.Message);
        }
        catch (ModelClientException ex)
        {
            Fail(record, ex.Message);
            if (ex is ModelUnavailableException { Reason: ModelUnavailableReason.Unreachable or ModelUnavailableReason.Timeout or ModelUnavailableReason.ServerError or ModelUnavailableReason.ModelMissing })
            {
                ReportModelServer(isDown: true, ex.Message);
            }
        }
        catch (ModelRequestTimeoutException ex)
        {
            Fail(record, $"the model did not answer within Macha:Analysis:RequestTimeout ({ex.Message})");
        }
        catch (HttpRequestException ex)
        {
            Fail(record, $"the model server could not be reached: {ex.Message}");
            ReportModelServer(isDown: true, ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Fail(record, "Macha stopped during the analysis");
            await SaveAsync(db, record, run);
            throw;
        }

        await SaveAsync(db, record, run);
        return record;
    }

    private async Task<AnalysisDecision> DecideAsync(IncidentRecord incident, HostSnapshot? snapshot, AnalysisRun run, CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        var shell = _inventory.GetHosts().FirstOrDefault(host => host.HostName == incident.HostName);

        // Retrieval never throws for a failing knowledge base: the analysis goes on without it, and
        // the record says why.
        run.Retrieval = _retriever is null
            ? KnowledgeRetrieval.None("the knowledge base is not configured")
            : await _retriever.RetrieveAsync(incident, cancellationToken);
        var knowledgeTokens = Math.Min(_knowledgeOptions?.CurrentValue.PromptTokens ?? 0, options.ContextTokens / 4);
        var messages = new List<ChatMessage>
        {
            new(ChatRole.System, PromptBuilder.SystemPrompt),
            new(ChatRole.User, PromptBuilder.IncidentPrompt(incident, snapshot, run.Retrieval.Hits, knowledgeTokens)),
        };

        if (shell is not null && _tools.Count > 0)
        {
            var toolOptions = new ChatOptions { Tools = [.. _tools.Values.Select(Declare)] };
            for (var round = 0; round < options.MaxToolRounds; round++)
            {
                var response = await AskAsync(messages, toolOptions, incident, run, cancellationToken);
                var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
                if (calls.Count == 0)
                {
                    break;
                }

                messages.AddRange(response.Messages);
                var results = new List<AIContent>();
                foreach (var call in calls)
                {
                    results.Add(await CallToolAsync(shell, call, incident, run, cancellationToken));
                }

                messages.Add(new ChatMessage(ChatRole.Tool, results));
            }
        }

        messages.Add(new ChatMessage(ChatRole.User, PromptBuilder.FinalAnswerRequest));
        var answerOptions = new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(DecisionSchema.Schema, "decision") };
        var answer = await AskAsync(messages, answerOptions, incident, run, cancellationToken);
        var (decision, errors) = DecisionValidator.Parse(answer.Text);
        if (decision is not null)
        {
            return decision;
        }

        LogRepairRequested(run.Record.Id, errors.Count);
        messages.AddRange(answer.Messages);
        messages.Add(new ChatMessage(ChatRole.User, PromptBuilder.RepairRequest(errors)));
        var repaired = await AskAsync(messages, answerOptions, incident, run, cancellationToken);
        (decision, errors) = DecisionValidator.Parse(repaired.Text);
        return decision ?? throw new AnalysisFailedException($"the model's response was invalid after one repair attempt: {string.Join(" ", errors.Take(3))}");
    }

    private async Task<ChatResponse> AskAsync(
        List<ChatMessage> messages,
        ChatOptions chatOptions,
        IncidentRecord incident,
        AnalysisRun run,
        CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        var promptTokens = EstimateTokens(messages) + (chatOptions.Tools?.Count ?? 0) * 150;
        run.MaxPromptTokens = Math.Max(run.MaxPromptTokens, promptTokens);

        // Leave a quarter of the context for the answer; a prompt beyond that would be cut by Ollama.
        if (promptTokens > options.ContextTokens * 3 / 4)
        {
            throw new AnalysisFailedException(
                $"the prompt needs about {promptTokens} tokens, more than the {options.ContextTokens * 3 / 4} that Macha:Analysis:ContextTokens ({options.ContextTokens}) leaves for it");
        }

        run.ModelCalls++;
        return await _queue.RunAsync(
            ModelRequestPriority.Incident,
            $"analyse {incident.Kind} {incident.Subject} on {incident.HostName}",
            token => _chat.GetResponseAsync(messages, chatOptions, token),
            cancellationToken: cancellationToken);
    }

    private async Task<FunctionResultContent> CallToolAsync(
        IHostShell shell, FunctionCallContent call, IncidentRecord incident, AnalysisRun run, CancellationToken cancellationToken)
    {
        var arguments = JsonSerializer.SerializeToElement(call.Arguments ?? new Dictionary<string, object?>());
        var started = Stopwatch.GetTimestamp();
        ToolOutput output;
        if (!_tools.TryGetValue(call.Name, out var tool))
        {
            // The model named a tool that was never declared: report it, run nothing.
            output = ToolOutput.Invalid($"There is no tool named '{call.Name}'. Use one of: {string.Join(", ", _tools.Keys)}.");
        }
        else
        {
            output = await tool.InvokeAsync(new ToolInvocation(shell, arguments), cancellationToken);
        }

        var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        run.ToolCalls.Add(new ToolCallRecord(call.Name, arguments.GetRawText(), output.Succeeded, output.OutputBytes, Math.Round(elapsedMs, 1), output.CachedOutputId));
        LogToolCalled(run.Record.Id, call.Name, output.Succeeded, output.OutputBytes, elapsedMs);

        var text = output.Text.Length > MaxToolOutputCharacters
            ? output.Text[..MaxToolOutputCharacters] + $"\n[... {output.Text.Length - MaxToolOutputCharacters} more characters cut ...]"
            : output.Text;
        if (output.CachedOutputId is { } cachedId)
        {
            text = await ReduceAsync(cachedId, text, incident, run, cancellationToken);
        }

        return new FunctionResultContent(call.CallId, PromptBuilder.Quote(text));
    }

    /// <summary>
    /// Summarises a tool output too large for the prompt by map-reduce, for the incident at hand.
    /// When the reduction fails, the model keeps the cut output and the id to read more by range.
    /// </summary>
    private async Task<string> ReduceAsync(string cachedId, string cutText, IncidentRecord incident, AnalysisRun run, CancellationToken cancellationToken)
    {
        var question = $"What in this output helps explain this problem on {incident.HostName}: {incident.Summary}";
        try
        {
            var reduction = await _reducer.ReduceAsync(cachedId, question, ModelRequestPriority.Incident, cancellationToken);
            run.ModelCalls += reduction.ModelCalls;
            return $"The full output (cached as {cachedId}) was too large, so here is a summary made from {reduction.ChunkCount} parts:\n{reduction.Text}";
        }
        catch (OutputReductionException ex)
        {
            LogReductionFailed(run.Record.Id, cachedId, ex.Message);
            return $"{cutText}\n[The full output is cached as {cachedId}; summarising it failed: {ex.Message}]";
        }
    }

    private void Fail(AnalysisRecord record, string reason)
    {
        record.State = AnalysisState.Failed;
        record.Reason = reason;
        LogAnalysisFailed(record.Id, record.HostName, record.Fingerprint, reason);
    }

    private async Task SaveAsync(MachaDbContext db, AnalysisRecord record, AnalysisRun run)
    {
        record.FinishedAt = _timeProvider.GetUtcNow();
        record.ModelCalls = run.ModelCalls;
        record.MaxPromptTokens = run.MaxPromptTokens;
        record.ToolCallsJson = JsonSerializer.Serialize(run.ToolCalls);
        if (run.Retrieval is { } retrieval)
        {
            record.RetrievedJson = JsonSerializer.Serialize(retrieval.Hits.Select(hit => new RetrievedRecord(hit.Collection, hit.Id, hit.Title, hit.Similarity)));
            record.RetrievalNote = retrieval.Unavailable;
        }

        // Saved even when the caller cancelled, so the record never stays "running".
        await db.SaveChangesAsync(CancellationToken.None);
        await _audit.RecordAsync(record, run.ToolCalls.Count);
    }

    private static AITool Declare(IAnalysisTool tool) =>
        AIFunctionFactory.CreateDeclaration(tool.Name, tool.Description, tool.ParameterSchema);

    /// <summary>
    /// Estimates tokens as characters divided by three, rounded up: an over-count for English, code
    /// and logs, whose tokens average nearer four characters, so the budget errs on the safe side.
    /// </summary>
    private static int EstimateTokens(IEnumerable<ChatMessage> messages)
    {
        long characters = 0;
        foreach (var message in messages)
        {
            foreach (var content in message.Contents)
            {
                characters += content switch
                {
                    TextContent text => text.Text.Length,
                    FunctionCallContent call => call.Name.Length + JsonSerializer.Serialize(call.Arguments).Length,
                    FunctionResultContent result => result.Result?.ToString()?.Length ?? 0,
                    _ => 0,
                };
            }

            characters += 8;
        }

        return (int)Math.Min(int.MaxValue, (characters + 2) / 3);
    }

    // Only transitions between down and up become notifications, so reporting every analysis is fine.
    private void ReportModelServer(bool isDown, string detail) =>
        _notifications?.Publish(new DependencyStateChanged("Ollama", DependencyKind.Service, isDown, detail));

    [LoggerMessage(Level = LogLevel.Information, Message = "Analysis {AnalysisId} of incident {Fingerprint} on host {HostName} succeeded after {ModelCalls} model calls with {ActionCount} proposed actions")]
    private partial void LogAnalysisSucceeded(Guid analysisId, string hostName, string fingerprint, int modelCalls, int actionCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Analysis {AnalysisId} of incident {Fingerprint} on host {HostName} failed: {Reason}")]
    private partial void LogAnalysisFailed(Guid analysisId, string hostName, string fingerprint, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Analysis {AnalysisId}: the model's response was invalid ({ErrorCount} errors); asking once for a repaired one")]
    private partial void LogRepairRequested(Guid analysisId, int errorCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Analysis {AnalysisId}: summarising cached output {CachedOutputId} failed: {Reason}")]
    private partial void LogReductionFailed(Guid analysisId, string cachedOutputId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Analysis {AnalysisId} called tool {ToolName}: succeeded {Succeeded}, {OutputBytes} bytes in {ElapsedMs} ms")]
    private partial void LogToolCalled(Guid analysisId, string toolName, bool succeeded, long outputBytes, double elapsedMs);

    /// <summary>What one analysis did so far: calls, prompt size, tool calls.</summary>
    private sealed class AnalysisRun(AnalysisRecord record)
    {
        public AnalysisRecord Record { get; } = record;

        public int ModelCalls { get; set; }

        public int MaxPromptTokens { get; set; }

        public List<ToolCallRecord> ToolCalls { get; } = [];

        /// <summary>What the knowledge base returned; null until retrieval ran.</summary>
        public KnowledgeRetrieval? Retrieval { get; set; }
    }
}

/// <summary>An analysis ended without a valid decision; the message gives the reason shown on the dashboard.</summary>
internal sealed class AnalysisFailedException(string message) : Exception(message);
