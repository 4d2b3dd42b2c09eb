using System.Globalization;
using System.Text;
using System.Text.Json;
using Macha.Core.Analysis.MapReduce;
using Microsoft.Extensions.Options;

namespace Macha.Core.Analysis.Tools;

/// <summary>Reads the start of a text file under the allow-listed roots, never a denied one.</summary>
/// <remarks>
/// The path is checked in normal form, then resolved on the host with <c>readlink -e</c> and checked
/// again, so a link under /var/log that points to /etc/shadow is rejected. Only regular files are
/// read, because opening a FIFO under /run blocks until a writer appears. The file is read by its
/// resolved path. NOTE: a link swapped between the check and the read is not caught; the window is
/// one command long.
/// </remarks>
internal sealed class ReadFileTool : IAnalysisTool
{
    public const int MaxBytes = 64 * 1024;
    public const int DefaultMaxBytes = 16 * 1024;

    private static readonly JsonElement Schema = ToolSchema.Parse("""
        {
          "type": "object",
          "properties": {
            "path": {
              "type": "string",
              "description": "Absolute path of a text file under the allowed roots (by default /etc, /var/log, /run/systemd and /nix/var/nix/profiles). Files with keys, passwords, tokens or secrets are never read.",
              "minLength": 1,
              "maxLength": 4096
            },
            "max_bytes": {
              "type": "integer",
              "description": "Most bytes to read from the start of the file, from 1 to 65536. Default 16384.",
              "minimum": 1,
              "maximum": 65536
            }
          },
          "required": ["path"],
          "additionalProperties": false
        }
        """);

    private readonly IOptionsMonitor<AnalysisToolOptions> _options;
    private readonly ToolOutputBudget _budget;

    public ReadFileTool(IOptionsMonitor<AnalysisToolOptions> options, LargeOutputCache? cache = null)
    {
        _options = options;
        _budget = new ToolOutputBudget(cache);
    }

    public string Name => "read_file";

    public string Description =>
        "Reads the start of a text file, such as a configuration file under /etc or a log under /var/log. "
        + "Files that may contain keys, passwords, tokens or secrets are rejected.";

    public JsonElement ParameterSchema => Schema;

    public async Task<ToolOutput> InvokeAsync(ToolInvocation invocation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        cancellationToken.ThrowIfCancellationRequested();

        var options = _options.CurrentValue;
        var arguments = ToolArguments.Read(Name, invocation.Arguments, "path", "max_bytes");
        var text = arguments.RequiredString("path");
        var maxBytes = arguments.Integer("max_bytes", 1, MaxBytes, DefaultMaxBytes);
        string? path = null;
        if (text is not null)
        {
            path = HostPath.Normalize(text, out var error);
            if (path is null)
            {
                arguments.AddError($"Argument 'path' {error}; got '{ToolArguments.Printable(text)}'.");
            }
            else if (Check(path, options) is { } problem)
            {
                arguments.AddError($"Argument 'path' '{ToolArguments.Printable(path)}' {problem}");
            }
        }

        if (!arguments.IsValid || path is null)
        {
            return arguments.ToInvalidOutput(Name);
        }

        var shell = invocation.Shell;

        // -v makes readlink say why it failed, because GNU readlink otherwise exits 1 silently.
        var resolve = ToolCommands.Create("readlink", "-e", "-v", "--", path);
        var resolveResult = await shell.RunAsync(resolve, cancellationToken);
        if (!resolveResult.Succeeded)
        {
            return ToolCommands.Failed(shell, resolve, resolveResult);
        }

        var resolved = resolveResult.StandardOutput.TrimEnd('\n');
        if (resolved != path)
        {
            var normalized = HostPath.Normalize(resolved, out _);
            var problem = normalized is null ? "resolves to a path that is not in normal form." : Check(normalized, options);
            if (problem is not null)
            {
                return ToolOutput.Invalid(
                    $"'{path}' is a symbolic link to '{ToolArguments.Printable(resolved)}', which read_file may not read because it {problem} Nothing was read.");
            }
        }

        var stat = ToolCommands.Create("stat", "-c", "%F", "--", resolved);
        var statResult = await shell.RunAsync(stat, cancellationToken);
        if (!statResult.Succeeded)
        {
            return ToolCommands.Failed(shell, stat, statResult);
        }

        var fileType = statResult.StandardOutput.Trim();
        if (fileType is not ("regular file" or "regular empty file"))
        {
            return ToolOutput.Invalid($"'{path}' is a {ToolOutputBudget.Sanitize(fileType)}, not a regular file; read_file reads regular files only.");
        }

        var read = await shell.ReadFileAsync(resolved, maxBytes, cancellationToken);
        if (!read.Exists)
        {
            return new ToolOutput(false, ToolOutputBudget.Sanitize($"On host {shell.HostName}, reading {path} failed: {read.Error}"), 0);
        }

        if (read.Content.Contains('\0', StringComparison.Ordinal))
        {
            return new ToolOutput(false, $"'{path}' contains NUL bytes, so it is a binary file; read_file reads text files only.", 0);
        }

        var bytes = Encoding.UTF8.GetByteCount(read.Content);
        var content = ToolOutputBudget.Sanitize(read.Content);
        var header = resolved == path ? $"{path}:" : $"{path} (a link to {resolved}):";
        var footer = bytes >= maxBytes
            ? string.Create(CultureInfo.InvariantCulture, $"\n[… only the first {maxBytes} bytes were read; the file may be longer]")
            : string.Empty;
        return await _budget.FitAsync(header + "\n" + content + footer, bytes, $"read_file {path} on {shell.HostName}", cancellationToken);
    }

    /// <summary>Returns why read_file may not read <paramref name="path"/>, or null when it may.</summary>
    private static string? Check(string path, AnalysisToolOptions options)
    {
        var roots = options.EffectiveReadFileRoots.Select(root => HostPath.Normalize(root, out _)).OfType<string>().ToList();
        if (!roots.Any(root => HostPath.IsUnder(path, root)) || HostPath.AlwaysDeniedRoots.Any(denied => HostPath.IsUnder(path, denied)))
        {
            return $"is not under a directory read_file may read; use a path under {string.Join(", ", roots)}.";
        }

        var pattern = options.ReadFileDenyPatterns.FirstOrDefault(pattern => HostPath.MatchesDenyPattern(path, pattern));
        return pattern is null
            ? null
            : $"matches the deny pattern '{pattern}', because such files can hold keys, passwords or tokens; it is never read.";
    }
}
