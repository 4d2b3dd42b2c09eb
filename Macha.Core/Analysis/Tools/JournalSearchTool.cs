using System.Globalization;
using System.Text;
using System.Text.Json;
using Macha.Core.Analysis.MapReduce;
using Macha.Core.Hosts;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Analysis.Tools;

/// <summary>
/// Finds journal entries whose message contains a plain substring, reading the newest entries of a
/// time window as JSON and matching in Macha.
/// </summary>
/// <remarks>
/// The pattern never reaches journalctl: its --grep takes a PCRE2 regular expression, where text
/// from the model could be a costly or unintended expression. Matching here ignores case and
/// compares with the sanitized message, which <see cref="JournalJsonParser"/> cuts at
/// <see cref="LogTextSanitizer.MaxMessageLength"/> characters and 10 lines.
/// </remarks>
internal sealed class JournalSearchTool : IAnalysisTool
{
    /// <summary>Newest entries of the window that are searched; older ones are not read.</summary>
    public const int MaxScannedEntries = 10_000;

    public const int MaxPatternLength = 200;

    /// <summary>Fields journalctl prints besides the ones it always adds (cursor, timestamps, boot id).</summary>
    public const string OutputFields = "MESSAGE,PRIORITY,_SYSTEMD_UNIT,UNIT,SYSLOG_IDENTIFIER,_COMM,_TRANSPORT";

    // 10,000 entries of these fields take about 3 MB for typical messages; the cap leaves room for long ones.
    private const int MaxOutputBytes = 16 * 1024 * 1024;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static readonly JsonElement Schema = ToolSchema.Parse($$"""
        {
          "type": "object",
          "properties": {
            "pattern": {
              "type": "string",
              "description": "Plain text to find in log messages, ignoring case; not a regular expression.",
              "minLength": 1,
              "maxLength": {{MaxPatternLength}}
            },
            {{ToolSchema.SinceMinutesProperty}},
            {{ToolSchema.MaxLinesProperty}}
          },
          "required": ["pattern"],
          "additionalProperties": false
        }
        """);

    private readonly ToolOutputBudget _budget;

    public JournalSearchTool(LargeOutputCache? cache = null)
    {
        _budget = new ToolOutputBudget(cache);
    }

    public string Name => "journal_search";

    public string Description =>
        "Searches the whole journal of the host, all units and the kernel, for messages that contain a plain "
        + "text, ignoring case, within a time window. Returns the newest matches with time, unit and priority.";

    public JsonElement ParameterSchema => Schema;

    public async Task<ToolOutput> InvokeAsync(ToolInvocation invocation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        cancellationToken.ThrowIfCancellationRequested();

        var arguments = ToolArguments.Read(Name, invocation.Arguments, "pattern", "since_minutes", "max_lines");
        var pattern = ReadPattern(arguments);
        var sinceMinutes = arguments.Integer("since_minutes", 1, JournalWindow.MaxSinceMinutes, JournalWindow.DefaultSinceMinutes);
        var maxLines = arguments.Integer("max_lines", 1, JournalWindow.MaxLines, JournalWindow.DefaultMaxLines);
        if (!arguments.IsValid || pattern is null)
        {
            return arguments.ToInvalidOutput(Name);
        }

        var shell = invocation.Shell;
        var request = new CommandRequest(
            "journalctl",
            [
                JournalWindow.SinceArgument(sinceMinutes),
                "--output=json",
                "--output-fields=" + OutputFields,
                "--lines=" + MaxScannedEntries.ToString(CultureInfo.InvariantCulture),
                "--no-pager",
            ],
            Timeout,
            MaxOutputBytes);
        var result = await shell.RunAsync(request, cancellationToken);
        if (!result.Succeeded)
        {
            return ToolCommands.Failed(shell, request, result);
        }

        var parsed = JournalJsonParser.Parse(result.StandardOutput, MaxScannedEntries);
        var matches = parsed.Entries
            .Where(entry => entry.Message.Contains(pattern, StringComparison.OrdinalIgnoreCase))
            .ToList();
        var shown = matches.Skip(Math.Max(0, matches.Count - maxLines)).ToList();

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{matches.Count} of {parsed.Entries.Count} entries from the last {sinceMinutes} minutes contain '{pattern}'");
        text.Append(shown.Count < matches.Count ? $"; the newest {shown.Count} follow." : ".");
        if (parsed.Entries.Count >= MaxScannedEntries)
        {
            text.Append(CultureInfo.InvariantCulture, $" Only the newest {MaxScannedEntries} entries were searched; use a shorter since_minutes to search further back.");
        }

        if (result.OutputTruncated)
        {
            text.Append(CultureInfo.InvariantCulture, $" journalctl printed more than {MaxOutputBytes} bytes, so older entries were dropped.");
        }

        foreach (var entry in shown)
        {
            text.Append('\n').Append(FormatEntry(entry));
        }

        var description = $"journal_search '{pattern}' on {shell.HostName}";
        return await _budget.FitAsync(ToolOutputBudget.Sanitize(text.ToString()), ToolOutputBudget.SizeOf(result), description, cancellationToken);
    }

    private static string? ReadPattern(ToolArguments arguments)
    {
        var pattern = arguments.RequiredString("pattern");
        if (pattern is null)
        {
            return null;
        }

        if (pattern.Length is 0 or > MaxPatternLength)
        {
            arguments.AddError($"Argument 'pattern' must be 1 to {MaxPatternLength} characters long; got {pattern.Length}.");
            return null;
        }

        if (pattern.Any(c => char.IsControl(c) || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069'))
        {
            arguments.AddError("Argument 'pattern' must not contain control characters such as newlines or tabs; send one line of plain text.");
            return null;
        }

        return pattern;
    }

    /// <summary>Formats an entry as "time source priority: message", with later message lines indented.</summary>
    private static string FormatEntry(JournalEntry entry)
    {
        var time = entry.Timestamp?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "(no time)";
        var source = entry.Unit ?? entry.Identifier ?? (entry.Transport == "kernel" ? "kernel" : "(unknown)");
        var priority = entry.Priority is { } level ? UnitLogsTool.Priorities[level] : "(no priority)";
        return $"{time} {source} {priority}: {entry.Message.Replace("\n", "\n    ", StringComparison.Ordinal)}";
    }
}
