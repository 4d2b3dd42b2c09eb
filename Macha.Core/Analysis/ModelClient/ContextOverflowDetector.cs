using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Macha.Core.Analysis.ModelClient;

/// <summary>
/// Detects that Ollama silently dropped the front of a prompt that did not fit num_ctx. Ollama then
/// answers with status 200, and the only sign is prompt_eval_count: it evaluates about half the window
/// (num_ctx / 2 + 2 tokens, measured on Ollama 0.32 and 0.33) or, on other versions, the whole window.
/// OllamaSharp reports prompt_eval_count as <see cref="UsageDetails.InputTokenCount"/>.
/// </summary>
internal static class ContextOverflowDetector
{
    // NOTE: an estimate. English prose averages about four characters per token; logs, JSON and
    // identifiers have fewer per token, so the estimate is low for them, which errs towards no alarm.
    private const int CharactersPerToken = 4;

    /// <summary>
    /// Returns true when prompt_eval_count reaches num_ctx, or when the prompt should fill at least
    /// three quarters of the window and Ollama evaluated less than half of it. A count of zero or none
    /// means Ollama reported nothing (it omits the field when the whole prompt came from its cache).
    /// </summary>
    /// <remarks>
    /// NOTE: when Ollama reuses a cached prefix it counts only the new tokens, so a long conversation
    /// that nearly fills the window and is mostly cached can be reported as an overflow. That errs on
    /// the safe side: the analysis is marked failed, never trusted wrongly.
    /// </remarks>
    public static bool IsOverflow(long? promptEvalCount, int estimatedPromptTokens, int contextTokens)
    {
        if (promptEvalCount is not > 0 || contextTokens <= 0)
        {
            return false;
        }

        if (promptEvalCount >= contextTokens)
        {
            return true;
        }

        return estimatedPromptTokens * 4L >= contextTokens * 3L && promptEvalCount * 2 < estimatedPromptTokens;
    }

    /// <summary>Estimates the prompt's tokens from the characters of the messages, the instructions and the tool declarations.</summary>
    public static int EstimatePromptTokens(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        long characters = options?.Instructions?.Length ?? 0;
        foreach (var message in messages)
        {
            foreach (var content in message.Contents)
            {
                characters += content switch
                {
                    TextContent text => text.Text.Length,
                    FunctionCallContent call => call.Name.Length + (call.Arguments is null ? 0 : JsonSerializer.Serialize(call.Arguments, AIJsonUtilities.DefaultOptions).Length),
                    FunctionResultContent result => result.Result is null ? 0 : JsonSerializer.Serialize(result.Result, AIJsonUtilities.DefaultOptions).Length,
                    _ => 0,
                };
            }
        }

        foreach (var tool in options?.Tools ?? [])
        {
            characters += tool.Name.Length + tool.Description.Length;
            if (tool is AIFunctionDeclaration function)
            {
                characters += function.JsonSchema.GetRawText().Length;
            }
        }

        return (int)Math.Min(int.MaxValue, characters / CharactersPerToken);
    }
}
