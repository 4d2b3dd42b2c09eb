using System.Diagnostics;
using System.Text.Json;
using Macha.Core.Analysis;
using Macha.Core.Analysis.MapReduce;
using Macha.Core.Analysis.ModelClient;
using Macha.Core.Analysis.Tools;
using Macha.Core.Events;
using Macha.Core.Hosts;
using Macha.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Discussions;

/// <summary>
/// Lets a person ask the model about an approval or an incident. Requests run at the Interactive
/// priority of the model-request queue, may call the read-only analysis tools on the item's host,
/// and each question is stored with its reply. A tool output too large for the prompt is summarised
/// by map-reduce with the person's question, as an analysis summarises it with the incident's.
/// </summary>
/// <remarks>
/// A question is stored only together with its reply. When the model cannot answer, nothing is
/// stored and the caller gets the reason, so the person can ask again without a dangling question.
/// </remarks>
internal sealed partial class DiscussionService
{
    /// <summary>Longest question accepted, in characters.</summary>
    public const int MaxQuestionLength = 4000;

    /// <summary>Earlier messages of the conversation sent with a new question; older ones are left out.</summary>
    private const int MaxHistoryMessages = 20;

    /// <summary>Longest tool output passed to the model unchanged, in characters, the same limit as <see cref="ToolOutputBudget"/>'s.</summary>
    private const int MaxToolOutputCharacters = ToolOutputBudget.MaxCharacters;

    private readonly IChatClient _chat;
    private readonly IModelRequestQueue _queue;
    private readonly OutputReducer _reducer;
    private readonly IReadOnlyDictionary<string, IAnalysisTool> _tools;
    private readonly IHostInventory _inventory;
    private readonly IDbContextFactory<MachaDbContext> _databases;
    private readonly IOptionsMonitor<AnalysisOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DiscussionService> _logger;
    private readonly MachaEvents? _events;

    public DiscussionService(
        IChatClient chat,
        IModelRequestQueue queue,
        OutputReducer reducer,
        IEnumerable<IAnalysisTool> tools,
        IHostInventory inventory,
        IDbContextFactory<MachaDbContext> databases,
        IOptionsMonitor<AnalysisOptions> options,
        TimeProvider timeProvider,
        ILogger<DiscussionService> logger,
        MachaEvents? events = null)
    {
        _chat = chat;
        _queue = queue;
        _reducer = reducer;
        _tools = tools.ToDictionary(tool => tool.Name, StringComparer.Ordinal);
        _inventory = inventory;
        _databases = databases;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _events = events;
    }

    /// <summary>Whether the model can be asked at all; false while analysis is disabled.</summary>
    public bool IsEnabled => _options.CurrentValue.Enabled;

    /// <summary>The text shown instead of the question box while analysis is disabled.</summary>
    public static string DisabledMessage =>
        "Analysis is disabled (Macha:Analysis:Enabled is false), so there is no model to ask. Set it to true and point Macha:Analysis:OllamaUrl at an Ollama server.";

    /// <summary>Returns the conversation about the item, oldest first; null when the item does not exist.</summary>
    public async Task<IReadOnlyList<DiscussionMessage>?> ListAsync(DiscussionSubject subject, Guid subjectId, CancellationToken cancellationToken = default)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        if (!await ExistsAsync(db, subject, subjectId, cancellationToken))
        {
            return null;
        }

        return await db.DiscussionMessages
            .AsNoTracking()
            .Where(m => m.Subject == subject && m.SubjectId == subjectId)
            .OrderBy(m => m.Id)
            .ToListAsync(cancellationToken);
    }

    /// <summary>Asks the model about the item and stores the question with the reply.</summary>
    /// <param name="author">The person asking, as recorded with the question.</param>
    public async Task<DiscussionReply> AskAsync(
        DiscussionSubject subject,
        Guid subjectId,
        string author,
        string? question,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(author);

        if (string.IsNullOrWhiteSpace(question))
        {
            return DiscussionReply.Failed(DiscussionReplyStatus.Invalid, "The message is empty. Type a question about this item.");
        }

        if (question.Length > MaxQuestionLength)
        {
            return DiscussionReply.Failed(
                DiscussionReplyStatus.Invalid,
                $"The message has {question.Length} characters; at most {MaxQuestionLength} are accepted. Shorten it.");
        }

        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        var context = await LoadContextAsync(db, subject, subjectId, cancellationToken);
        if (context is null)
        {
            return DiscussionReply.Failed(DiscussionReplyStatus.NotFound, $"No {subject.ToString().ToLowerInvariant()} with id {subjectId} exists.");
        }

        if (!IsEnabled)
        {
            return DiscussionReply.Failed(DiscussionReplyStatus.Disabled, DisabledMessage);
        }

        var history = await db.DiscussionMessages
            .AsNoTracking()
            .Where(m => m.Subject == subject && m.SubjectId == subjectId)
            .OrderByDescending(m => m.Id)
            .Take(MaxHistoryMessages)
            .ToListAsync(cancellationToken);
        history.Reverse();

        var messages = new List<ChatMessage>
        {
            new(ChatRole.System, DiscussionPrompts.SystemPrompt),
            new(ChatRole.User, context.Prompt),
        };
        foreach (var earlier in history)
        {
            messages.Add(earlier.Role == DiscussionRole.User
                ? new ChatMessage(ChatRole.User, earlier.Text)
                : new ChatMessage(ChatRole.Assistant, DiscussionPrompts.EarlierReply(earlier.Text)));
        }

        messages.Add(new ChatMessage(ChatRole.User, question));

        var toolCalls = new List<ToolCallRecord>();
        string answer;
        try
        {
            answer = await ConverseAsync(messages, context with { Question = question }, toolCalls, cancellationToken);
        }
        catch (ModelClientException ex)
        {
            return Unavailable(subject, subjectId, $"The model could not answer: {ex.Message}");
        }
        catch (ModelRequestTimeoutException)
        {
            return Unavailable(subject, subjectId, "The model did not answer within Macha:Analysis:RequestTimeout. Ask again later.");
        }
        catch (HttpRequestException ex)
        {
            return Unavailable(subject, subjectId, $"The model server at {ServerOf(_options.CurrentValue.OllamaUrl)} could not be reached ({ex.Message}). Check that Ollama runs, then ask again.");
        }

        var now = _timeProvider.GetUtcNow();
        var questionMessage = new DiscussionMessage
        {
            Subject = subject,
            SubjectId = subjectId,
            Role = DiscussionRole.User,
            Author = author,
            Text = question,
            At = now,
        };
        var replyMessage = new DiscussionMessage
        {
            Subject = subject,
            SubjectId = subjectId,
            Role = DiscussionRole.Assistant,
            Author = _options.CurrentValue.Model,
            Text = string.IsNullOrWhiteSpace(answer) ? "(The model returned an empty reply.)" : answer.Trim(),
            At = now,
            ToolCallsJson = JsonSerializer.Serialize(toolCalls),
        };
        db.DiscussionMessages.AddRange(questionMessage, replyMessage);

        // The reply cost a model request; a person leaving the page must not lose it.
        await db.SaveChangesAsync(CancellationToken.None);
        LogReplied(subject, subjectId, toolCalls.Count);
        _events?.Publish(new DiscussionChanged(subject, subjectId, now));
        return new DiscussionReply(DiscussionReplyStatus.Replied, questionMessage, replyMessage, null);
    }

    private async Task<string> ConverseAsync(
        List<ChatMessage> messages, SubjectContext context, List<ToolCallRecord> toolCalls, CancellationToken cancellationToken)
    {
        var shell = _inventory.GetHosts().FirstOrDefault(host => host.HostName == context.HostName);
        if (shell is null || _tools.Count == 0)
        {
            return (await AskAsync(messages, null, context, cancellationToken)).Text;
        }

        var toolOptions = new ChatOptions { Tools = [.. _tools.Values.Select(t => (AITool)AIFunctionFactory.CreateDeclaration(t.Name, t.Description, t.ParameterSchema))] };
        for (var round = 0; round < _options.CurrentValue.MaxToolRounds; round++)
        {
            var response = await AskAsync(messages, toolOptions, context, cancellationToken);
            var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
            if (calls.Count == 0)
            {
                return response.Text;
            }

            messages.AddRange(response.Messages);
            var results = new List<AIContent>();
            foreach (var call in calls)
            {
                results.Add(await CallToolAsync(shell, call, context, toolCalls, cancellationToken));
            }

            messages.Add(new ChatMessage(ChatRole.Tool, results));
        }

        // Out of tool rounds: ask once more without tools, so the model has to reply in words.
        return (await AskAsync(messages, null, context, cancellationToken)).Text;
    }

    private Task<ChatResponse> AskAsync(List<ChatMessage> messages, ChatOptions? chatOptions, SubjectContext context, CancellationToken cancellationToken) =>
        _queue.RunAsync(
            ModelRequestPriority.Interactive,
            $"discuss {context.Description}",
            token => _chat.GetResponseAsync(messages, chatOptions, token),
            cancellationToken: cancellationToken);

    private async Task<FunctionResultContent> CallToolAsync(
        IHostShell shell, FunctionCallContent call, SubjectContext context, List<ToolCallRecord> toolCalls, CancellationToken cancellationToken)
    {
        var arguments = JsonSerializer.SerializeToElement(call.Arguments ?? new Dictionary<string, object?>());
        var started = Stopwatch.GetTimestamp();
        var output = _tools.TryGetValue(call.Name, out var tool)
            ? await tool.InvokeAsync(new ToolInvocation(shell, arguments), cancellationToken)
            : ToolOutput.Invalid($"There is no tool named '{call.Name}'. Use one of: {string.Join(", ", _tools.Keys)}.");
        var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        toolCalls.Add(new ToolCallRecord(call.Name, arguments.GetRawText(), output.Succeeded, output.OutputBytes, Math.Round(elapsedMs, 1), output.CachedOutputId));

        var text = output.Text.Length > MaxToolOutputCharacters
            ? output.Text[..MaxToolOutputCharacters] + $"\n[... {output.Text.Length - MaxToolOutputCharacters} more characters cut ...]"
            : output.Text;
        if (output.CachedOutputId is { } cachedId)
        {
            text = await ReduceAsync(cachedId, text, context, cancellationToken);
        }

        return new FunctionResultContent(call.CallId, PromptBuilder.Quote(text));
    }

    /// <summary>
    /// Summarises a tool output too large for the prompt by map-reduce, aimed at the person's question.
    /// When the reduction fails, the model keeps the cut output and the id to read more by range.
    /// </summary>
    private async Task<string> ReduceAsync(string cachedId, string cutText, SubjectContext context, CancellationToken cancellationToken)
    {
        try
        {
            var reduction = await _reducer.ReduceAsync(cachedId, ReductionQuestion(context), ModelRequestPriority.Interactive, cancellationToken);
            LogOutputReduced(context.Description, cachedId, reduction.ChunkCount, reduction.ModelCalls);
            return $"The full output (cached as {cachedId}) was too large, so here is a summary made from {reduction.ChunkCount} parts:\n{reduction.Text}";
        }
        catch (OutputReductionException ex)
        {
            LogReductionFailed(context.Description, cachedId, ex.Message);
            return $"{cutText}\n[The full output is cached as {cachedId}; summarising it failed: {ex.Message}]";
        }
    }

    /// <summary>
    /// Builds the question the map-reduce notes answer, with the person's words last. The reducer
    /// accepts at most a quarter of Macha:Analysis:ContextTokens for it, so the end is cut to an
    /// eighth, leaving room for the sanitizer's changes.
    /// </summary>
    private string ReductionQuestion(SubjectContext context)
    {
        var question = $"What in this output helps answer a person's question about the {context.Description}? They asked: {context.Question.Trim()}";
        var maxTokens = _options.CurrentValue.ContextTokens / 8;
        var cut = TokenBudget.CutToTokens(question, maxTokens);
        return cut.Length == question.Length ? question : TokenBudget.CutToTokens(question, maxTokens - 1) + "…";
    }

    private DiscussionReply Unavailable(DiscussionSubject subject, Guid subjectId, string reason)
    {
        LogModelUnavailable(subject, subjectId, reason);
        return DiscussionReply.Failed(DiscussionReplyStatus.ModelUnavailable, reason);
    }

    private static async Task<bool> ExistsAsync(MachaDbContext db, DiscussionSubject subject, Guid subjectId, CancellationToken cancellationToken) =>
        subject switch
        {
            DiscussionSubject.Approval => await db.Approvals.AnyAsync(a => a.Id == subjectId, cancellationToken),
            DiscussionSubject.Incident => await db.Incidents.AnyAsync(i => i.Id == subjectId, cancellationToken),
            _ => false,
        };

    private static async Task<SubjectContext?> LoadContextAsync(
        MachaDbContext db, DiscussionSubject subject, Guid subjectId, CancellationToken cancellationToken)
    {
        if (subject == DiscussionSubject.Approval)
        {
            var approval = await db.Approvals.AsNoTracking().SingleOrDefaultAsync(a => a.Id == subjectId, cancellationToken);
            if (approval is null)
            {
                return null;
            }

            var incident = approval.IncidentId is { } incidentId
                ? await db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Id == incidentId, cancellationToken)
                : null;
            return new SubjectContext(approval.HostName, $"approval {approval.ActionKind} on {approval.HostName}", DiscussionPrompts.ApprovalContext(approval, incident));
        }

        var found = await db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Id == subjectId, cancellationToken);
        if (found is null)
        {
            return null;
        }

        var analysis = await db.Analyses.AsNoTracking()
            .Where(a => a.IncidentId == subjectId)
            .OrderByDescending(a => a.RequestedAt)
            .FirstOrDefaultAsync(cancellationToken);
        return new SubjectContext(found.HostName, $"incident {found.Kind} {found.Subject} on {found.HostName}", DiscussionPrompts.IncidentContext(found, analysis));
    }

    private static string ServerOf(Uri url) => $"{url.Scheme}://{url.Authority}";

    [LoggerMessage(Level = LogLevel.Information, Message = "Discussion of {Subject} {SubjectId}: the model replied after {ToolCallCount} tool calls")]
    private partial void LogReplied(DiscussionSubject subject, Guid subjectId, int toolCallCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discussion of {Subject} {SubjectId}: no reply: {Reason}")]
    private partial void LogModelUnavailable(DiscussionSubject subject, Guid subjectId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Discussion of {Item}: summarised cached output {CachedOutputId} from {ChunkCount} parts in {ModelCalls} model calls")]
    private partial void LogOutputReduced(string item, string cachedOutputId, int chunkCount, int modelCalls);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discussion of {Item}: summarising cached output {CachedOutputId} failed, so the model gets the cut output: {Reason}")]
    private partial void LogReductionFailed(string item, string cachedOutputId, string reason);

    /// <param name="Description">What the request is about, shown in the model-request queue.</param>
    /// <param name="Question">The person's question now being answered; empty until one is asked.</param>
    private sealed record SubjectContext(string HostName, string Description, string Prompt, string Question = "");
}
