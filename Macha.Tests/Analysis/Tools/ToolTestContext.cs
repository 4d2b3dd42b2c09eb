using System.Text.Json;
using Macha.Core.Analysis.MapReduce;
using Macha.Core.Analysis.Tools;
using Macha.Core.Configuration;
using Macha.Tests.Detection;
using Macha.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Analysis.Tools;

/// <summary>A replay shell, tool options and a large-output cache in a temporary data directory.</summary>
internal sealed class ToolTestContext : IDisposable
{
    private readonly TestDataDirectory _dataDirectory = new();

    public ToolTestContext()
    {
        Cache = new LargeOutputCache(
            new TestOptionsMonitor<MachaOptions>(new MachaOptions { DataDirectory = _dataDirectory.Path }),
            new TestOptionsMonitor<MapReduceOptions>(new MapReduceOptions()),
            TimeProvider.System,
            NullLogger<LargeOutputCache>.Instance);
    }

    public ReplayShell Shell { get; } = new();

    public TestOptionsMonitor<AnalysisToolOptions> Options { get; } = new(new AnalysisToolOptions());

    public LargeOutputCache Cache { get; }

    public Task<ToolOutput> InvokeAsync(IAnalysisTool tool, string argumentsJson, CancellationToken cancellationToken = default) =>
        tool.InvokeAsync(new ToolInvocation(Shell, Arguments(argumentsJson)), cancellationToken);

    public static JsonElement Arguments(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>Numbered lines of 80 characters, far more than one tool output may hold.</summary>
    public static string LongOutput(int lineCount) =>
        string.Join('\n', Enumerable.Range(1, lineCount).Select(i => $"line {i:0000} " + new string('x', 70)));

    public void Dispose()
    {
        Cache.Dispose();
        _dataDirectory.Dispose();
    }
}
