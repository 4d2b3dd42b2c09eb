using System.Text.Json;
using Macha.Core.Hosts;

namespace Macha.Core.Analysis.Tools;

/// <summary>
/// A read-only tool the model may call during an analysis. Tools take typed, validated arguments,
/// run through the host's shell with a timeout and an output cap, and never change the host.
/// </summary>
public interface IAnalysisTool
{
    /// <summary>Name the model calls the tool by, in snake_case, such as "unit_status".</summary>
    string Name { get; }

    /// <summary>What the tool returns and when to use it, written for the model.</summary>
    string Description { get; }

    /// <summary>JSON schema of the arguments object, declared to the model.</summary>
    JsonElement ParameterSchema { get; }

    /// <summary>
    /// Runs the tool. Invalid arguments give a failed output that says what is wrong, so the model
    /// can correct itself; only the caller's cancellation throws.
    /// </summary>
    Task<ToolOutput> InvokeAsync(ToolInvocation invocation, CancellationToken cancellationToken = default);
}

/// <summary>One call of a tool on one host.</summary>
/// <param name="Arguments">The arguments object as the model sent it, not yet validated.</param>
public sealed record ToolInvocation(IHostShell Shell, JsonElement Arguments);

/// <summary>What a tool returned, as the model will read it.</summary>
/// <param name="Text">The output, already capped and sanitized; quoted as data in the prompt.</param>
/// <param name="OutputBytes">Size of the full output before any cap, for the decision record.</param>
/// <param name="CachedOutputId">Id of the full output in the large-output cache when it was too big to include.</param>
public sealed record ToolOutput(bool Succeeded, string Text, long OutputBytes, string? CachedOutputId = null)
{
    public static ToolOutput Invalid(string message) => new(false, message, 0);
}
