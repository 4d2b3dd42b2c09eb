namespace Macha.Core.Analysis.ModelClient;

/// <summary>
/// A model request that produced no usable answer. Callers catch this base type to mark an analysis
/// failed; the subtypes say why.
/// </summary>
public abstract class ModelClientException : Exception
{
    protected ModelClientException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Why the model could not answer.</summary>
public enum ModelUnavailableReason
{
    /// <summary>No connection to Ollama: refused, name not resolved, or closed before the response ended.</summary>
    Unreachable,

    /// <summary>The request ran longer than <c>Macha:Analysis:RequestTimeout</c>.</summary>
    Timeout,

    /// <summary>The model is not pulled on the Ollama host (404 "model ... not found, try pulling it first").</summary>
    ModelMissing,

    /// <summary>The model's template has no tool support (400 "... does not support tools").</summary>
    ToolsUnsupported,

    /// <summary>
    /// Ollama failed while answering: a 5xx status (a killed runner, a truncated tool call), or a
    /// response body that is malformed or ends before its final chunk.
    /// </summary>
    ServerError,

    /// <summary>Ollama rejected the request itself (another 4xx status); sending it again cannot help.</summary>
    BadRequest,
}

/// <summary>
/// The model request failed for a reason in <see cref="Reason"/>. The message names the Ollama address
/// (without credentials), the model and what to do; it never contains the prompt.
/// </summary>
public sealed class ModelUnavailableException : ModelClientException
{
    public ModelUnavailableException(ModelUnavailableReason reason, string modelName, string message, int? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
        ModelName = modelName;
        StatusCode = statusCode;
    }

    public ModelUnavailableReason Reason { get; }

    /// <summary>Model the request was for, as Ollama names it.</summary>
    public string ModelName { get; }

    /// <summary>HTTP status Ollama returned; null when no response arrived.</summary>
    public int? StatusCode { get; }
}

/// <summary>
/// Ollama answered, but its prompt_eval_count shows that it dropped the front of the prompt to fit the
/// context window (it does so silently, with status 200). The answer was made without the system prompt
/// or the first evidence, so it must not be trusted.
/// </summary>
public sealed class ContextOverflowException : ModelClientException
{
    public ContextOverflowException(string modelName, int estimatedPromptTokens, long promptEvalCount, int contextTokens)
        : base(
            $"Model '{modelName}' evaluated {promptEvalCount} prompt tokens of an estimated {estimatedPromptTokens} with num_ctx {contextTokens}, " +
            "so Ollama dropped the front of the prompt. Shorten the prompt or raise Macha:Analysis:ContextTokens.",
            null)
    {
        ModelName = modelName;
        EstimatedPromptTokens = estimatedPromptTokens;
        PromptEvalCount = promptEvalCount;
        ContextTokens = contextTokens;
    }

    public string ModelName { get; }

    /// <summary>Macha's estimate of the prompt's size in tokens, from its length in characters.</summary>
    public int EstimatedPromptTokens { get; }

    /// <summary>prompt_eval_count from Ollama's final response chunk.</summary>
    public long PromptEvalCount { get; }

    /// <summary>num_ctx sent with the request.</summary>
    public int ContextTokens { get; }
}
