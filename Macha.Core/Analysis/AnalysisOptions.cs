namespace Macha.Core.Analysis;

/// <summary>How Macha talks to the model; bound from the <c>Macha:Analysis</c> section.</summary>
public sealed class AnalysisOptions
{
    public const string SectionName = "Macha:Analysis";

    /// <summary>
    /// Whether incidents are sent to the model at all. Off by default, so Macha runs without Ollama;
    /// with it off, incidents show "analysis disabled" and the rule-based playbooks apply.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>Base address of the Ollama server.</summary>
    public Uri OllamaUrl { get; set; } = new("http://127.0.0.1:11434");

    /// <summary>Model used for diagnosis, as Ollama names it.</summary>
    public string Model { get; set; } = "qwen3:8b";

    /// <summary>Context size in tokens, sent as num_ctx; every prompt is budgeted to fit it.</summary>
    public int ContextTokens { get; set; } = 8192;

    /// <summary>Sampling temperature, sent inside the request's options.</summary>
    public double Temperature { get; set; } = 0.1;

    /// <summary>Limit on one model request's running time, not counting its wait in the queue.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most rounds of tool calls in one analysis before the model must decide.</summary>
    public int MaxToolRounds { get; set; } = 4;

    /// <summary>Model requests that run at the same time; 1 suits one GPU.</summary>
    public int MaxConcurrentRequests { get; set; } = 1;

    /// <summary>
    /// Time a waiting request needs to gain one priority level, so background work cannot starve
    /// behind a steady stream of incident analyses.
    /// </summary>
    public TimeSpan PriorityAging { get; set; } = TimeSpan.FromMinutes(2);
}
