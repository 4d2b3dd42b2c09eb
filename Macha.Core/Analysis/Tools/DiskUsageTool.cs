using System.Globalization;
using System.Text;
using System.Text.Json;
using Macha.Core.Analysis.MapReduce;
using Macha.Core.Hosts;
using Microsoft.Extensions.Options;

namespace Macha.Core.Analysis.Tools;

/// <summary>
/// Shows the filesystem that contains a directory (<c>df</c>) and the largest entries directly inside it
/// (<c>du</c>, one level deep, on that filesystem only).
/// </summary>
internal sealed class DiskUsageTool : IAnalysisTool
{
    public const string StorePath = "/nix/store";

    /// <summary>Largest entries listed from du's output.</summary>
    public const int MaxEntries = 20;

    // du walks every file below the path; a large /var takes longer than the default timeout.
    private static readonly TimeSpan DuTimeout = TimeSpan.FromSeconds(30);

    private static readonly JsonElement Schema = ToolSchema.Parse("""
        {
          "type": "object",
          "properties": {
            "path": {
              "type": "string",
              "description": "Absolute directory to measure, such as /var/log or /home. Only directories under the allowed roots (by default /var, /home, /srv, /opt, /tmp and /nix/var) can be measured.",
              "minLength": 1,
              "maxLength": 4096
            }
          },
          "required": ["path"],
          "additionalProperties": false
        }
        """);

    private readonly IOptionsMonitor<AnalysisToolOptions> _options;
    private readonly ToolOutputBudget _budget;

    public DiskUsageTool(IOptionsMonitor<AnalysisToolOptions> options, LargeOutputCache? cache = null)
    {
        _options = options;
        _budget = new ToolOutputBudget(cache);
    }

    public string Name => "disk_usage";

    public string Description =>
        "Shows size, used and free space of the filesystem that holds a directory, and the "
        + $"{MaxEntries} largest files and directories directly inside it, in KiB, counting only that filesystem.";

    public JsonElement ParameterSchema => Schema;

    public async Task<ToolOutput> InvokeAsync(ToolInvocation invocation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        cancellationToken.ThrowIfCancellationRequested();

        var arguments = ToolArguments.Read(Name, invocation.Arguments, "path");
        var path = ReadPath(arguments, _options.CurrentValue);
        if (!arguments.IsValid || path is null)
        {
            return arguments.ToInvalidOutput(Name);
        }

        var shell = invocation.Shell;
        var df = ToolCommands.Create("df", "-P", "-k", "--", path);
        var dfResult = await shell.RunAsync(df, cancellationToken);
        if (!dfResult.Succeeded)
        {
            return ToolCommands.Failed(shell, df, dfResult);
        }

        var du = ToolCommands.Create("du", "-x", "-k", "-d", "1", "--", path).WithTimeout(DuTimeout);
        var duResult = await shell.RunAsync(du, cancellationToken);

        var text = new StringBuilder();
        text.Append("$ ").AppendLine(df.DisplayText);
        text.AppendLine(ToolOutputBudget.Sanitize(dfResult.StandardOutput));
        text.AppendLine().Append("$ ").AppendLine(du.DisplayText);
        AppendDuSummary(text, shell, du, duResult);

        var outputBytes = ToolOutputBudget.SizeOf(dfResult) + ToolOutputBudget.SizeOf(duResult);
        return await _budget.FitAsync(text.ToString().TrimEnd(), outputBytes, $"disk_usage {path} on {shell.HostName}", cancellationToken);
    }

    private static string? ReadPath(ToolArguments arguments, AnalysisToolOptions options)
    {
        var text = arguments.RequiredString("path");
        if (text is null)
        {
            return null;
        }

        var path = HostPath.Normalize(text, out var error);
        if (path is null)
        {
            arguments.AddError($"Argument 'path' {error}; got '{ToolArguments.Printable(text)}'.");
            return null;
        }

        var roots = options.EffectiveDiskUsageRoots.Select(root => HostPath.Normalize(root, out _)).OfType<string>().ToList();
        var allowed = roots.Any(root => HostPath.IsUnder(path, root))
            && !HostPath.AlwaysDeniedRoots.Any(denied => HostPath.IsUnder(path, denied))
            && !HostPath.IsUnder(path, StorePath)
            && !HostPath.IsUnder(StorePath, path);
        if (!allowed)
        {
            arguments.AddError(
                $"Argument 'path' '{ToolArguments.Printable(path)}' is not under a directory disk_usage may measure; "
                + $"use a path under {string.Join(", ", roots)}. The Nix store is never measured.");
            return null;
        }

        return path;
    }

    /// <summary>Appends du's entries, largest first, and why any are missing.</summary>
    private static void AppendDuSummary(StringBuilder text, IHostShell shell, CommandRequest du, CommandResult result)
    {
        // du exits 1 when it could not read some directories, and still prints the rest.
        var usable = result.Status == CommandStatus.Exited && result.ExitCode is 0 or 1
            || result.Status == CommandStatus.TimedOut;
        if (!usable)
        {
            text.AppendLine(ToolCommands.Describe(shell, du, result));
            return;
        }

        var entries = ParseDu(result.StandardOutput);
        var largest = entries.OrderByDescending(entry => entry.Kibibytes).Take(MaxEntries).ToList();
        text.AppendLine(CultureInfo.InvariantCulture, $"{largest.Count} largest of {entries.Count} entries, in KiB:");
        foreach (var entry in largest)
        {
            text.Append(entry.Kibibytes.ToString(CultureInfo.InvariantCulture)).Append('\t').AppendLine(ToolOutputBudget.Sanitize(entry.Path));
        }

        if (result.Status == CommandStatus.TimedOut)
        {
            text.AppendLine(ToolCommands.Describe(shell, du, result) + "; the sizes above are of the entries it finished, and the total is missing.");
        }
        else if (result.ExitCode == 1)
        {
            var problems = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            text.AppendLine(CultureInfo.InvariantCulture, $"du could not read {problems.Length} paths, so sizes can be too small; first: {ToolOutputBudget.Sanitize(problems.FirstOrDefault() ?? string.Empty)}");
        }

        if (ToolCommands.TruncationNote(du, result) is { } note)
        {
            text.AppendLine(note);
        }
    }

    /// <summary>Reads "KIBIBYTES&lt;tab&gt;PATH" lines; other lines are skipped.</summary>
    private static List<DuEntry> ParseDu(string output)
    {
        var entries = new List<DuEntry>();
        foreach (var line in output.Split('\n'))
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab > 0 && long.TryParse(line.AsSpan(0, tab), NumberStyles.None, CultureInfo.InvariantCulture, out var kibibytes))
            {
                entries.Add(new DuEntry(kibibytes, line[(tab + 1)..]));
            }
        }

        return entries;
    }

    private readonly record struct DuEntry(long Kibibytes, string Path);
}
