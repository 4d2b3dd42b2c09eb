using Macha.Web.Cli;

namespace Macha.Tests.Cli;

/// <summary>
/// Runs the CLI in-process with its own writers, variables and home directory, so no test reads
/// the real user's configuration or environment.
/// </summary>
public sealed class CliRunner : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("macha-cli-test-").FullName;

    public CliRunner(string? url = null)
    {
        if (url is not null)
        {
            Variables["MACHA_URL"] = url;
        }

        // An empty PATH unless a test adds stubs: logs service must not find the machine's journalctl by accident.
        Variables["PATH"] = Path.Combine(_home, "bin");
        Directory.CreateDirectory(Variables["PATH"]!);
    }

    public Dictionary<string, string?> Variables { get; } = new(StringComparer.Ordinal);

    public string Home => _home;

    /// <summary>Text the CLI reads as standard input, or null for none.</summary>
    public string? StandardInput { get; set; }

    public async Task<CliResult> RunAsync(params string[] args) => await RunAsync(args, CancellationToken.None);

    public async Task<CliResult> RunAsync(string[] args, CancellationToken cancellationToken, StringWriter? output = null)
    {
        output ??= new StringWriter();
        var error = new StringWriter();
        var environment = new CliEnvironment(
            TextWriter.Synchronized(output),
            TextWriter.Synchronized(error),
            name => Variables.GetValueOrDefault(name),
            _home,
            Path.Combine(_home, "etc-macha-cli.json"),
            StandardInput is null ? null : new StringReader(StandardInput));
        var exitCode = await MachaCli.RunAsync(args, environment, cancellationToken);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);
}

public sealed record CliResult(int ExitCode, string Output, string Error);
