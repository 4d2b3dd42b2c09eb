using System.Globalization;
using System.Text;
using System.Text.Json;
using Macha.Core.Analysis.MapReduce;

namespace Macha.Core.Analysis.Tools;

/// <summary>Reads a range of lines of an output that another tool cut and cached.</summary>
/// <remarks>Line numbers given to the model start at 1, as in the cut markers; the cache counts from 0.</remarks>
internal sealed class FetchOutputTool : IAnalysisTool
{
    public const int MaxLineCount = 500;
    public const int DefaultLineCount = 100;

    // Room kept below the output budget for the header line.
    private const int HeaderReserve = 200;

    private static readonly JsonElement Schema = ToolSchema.Parse("""
        {
          "type": "object",
          "properties": {
            "id": {
              "type": "string",
              "description": "Id of a cached output, as given in the cut marker of an earlier tool output: 32 lowercase hexadecimal digits.",
              "minLength": 32,
              "maxLength": 32
            },
            "first_line": {
              "type": "integer",
              "description": "Number of the first line to return; 1 is the first line of the output. Default 1.",
              "minimum": 1
            },
            "line_count": {
              "type": "integer",
              "description": "Most lines to return, from 1 to 500; fewer come back when they would exceed about 4000 characters. Default 100.",
              "minimum": 1,
              "maximum": 500
            }
          },
          "required": ["id"],
          "additionalProperties": false
        }
        """);

    private readonly LargeOutputCache _cache;

    public FetchOutputTool(LargeOutputCache cache)
    {
        _cache = cache;
    }

    public string Name => "fetch_output";

    public string Description =>
        "Reads more lines of a tool output that was cut because it was too long. Use the id and first_line "
        + "from the cut marker, and call again with the next first_line to read further.";

    public JsonElement ParameterSchema => Schema;

    public async Task<ToolOutput> InvokeAsync(ToolInvocation invocation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        cancellationToken.ThrowIfCancellationRequested();

        var arguments = ToolArguments.Read(Name, invocation.Arguments, "id", "first_line", "line_count");
        var id = arguments.RequiredString("id");
        var firstLine = arguments.Integer("first_line", 1, int.MaxValue, 1);
        var lineCount = arguments.Integer("line_count", 1, MaxLineCount, DefaultLineCount);
        if (id is not null && !LargeOutputCache.IsValidId(id))
        {
            arguments.AddError($"Argument 'id' must be 32 lowercase hexadecimal digits, as given in a cut marker; got '{ToolArguments.Printable(id)}'.");
        }

        if (!arguments.IsValid || id is null)
        {
            return arguments.ToInvalidOutput(Name);
        }

        CachedOutputRange? range;
        try
        {
            range = await _cache.ReadLinesAsync(id, firstLine - 1L, lineCount, ToolOutputBudget.MaxCharacters - HeaderReserve, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new ToolOutput(false, $"Cached output {id} could not be read: {ex.Message}", 0);
        }

        if (range is null)
        {
            return new ToolOutput(false, $"There is no cached output with id {id}; it may have expired. Call the original tool again.", 0);
        }

        if (range.Lines.Count == 0)
        {
            return new ToolOutput(false, string.Create(CultureInfo.InvariantCulture, $"Cached output {id} has {range.TotalLines} lines, so first_line {firstLine} is past its end."), 0);
        }

        var text = new StringBuilder();
        var lastLine = range.NextLine;
        text.Append(CultureInfo.InvariantCulture, $"Lines {firstLine} to {lastLine} of {range.TotalLines} of cached output {id}");
        text.Append(lastLine < range.TotalLines
            ? string.Create(CultureInfo.InvariantCulture, $"; call again with first_line {lastLine + 1} for more:")
            : "; this is the end:");
        foreach (var line in range.Lines)
        {
            text.Append('\n').Append(line);
        }

        // The cache sanitized the lines when it stored them, and ReadLinesAsync kept them within the byte limit.
        var output = text.ToString();
        return new ToolOutput(true, output, Encoding.UTF8.GetByteCount(output));
    }
}
