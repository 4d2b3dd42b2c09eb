using System.Diagnostics;
using System.Text;

namespace Macha.Core.Knowledge.ConfigRepository;

/// <summary>
/// Runs git as argv, without a shell. Credentials reach git only through an askpass helper that
/// reads the credentials file itself, so the secret is never in a command line, an environment
/// variable or a log; git's prompts on the terminal are off.
/// </summary>
internal sealed class GitRunner
{
    private const string AskPassScript = """
        #!/bin/sh
        # Written by Macha. git runs this when a server asks for credentials: it prints the user
        # name, or the first line of the credentials file, which never leaves the file otherwise.
        case "$1" in
          Username*) printf '%s\n' "$MACHA_GIT_USERNAME" ;;
          *) head -n 1 -- "$MACHA_GIT_CREDENTIALS_FILE" ;;
        esac

        """;

    private readonly string _workDirectory;
    private readonly ConfigRepositoryOptions _options;

    public GitRunner(string workDirectory, ConfigRepositoryOptions options)
    {
        _workDirectory = workDirectory;
        _options = options;
    }

    /// <summary>Runs git with <paramref name="arguments"/> and returns its standard output.</summary>
    /// <exception cref="ConfigRepositoryException">git is missing, failed or timed out; the message has git's error output.</exception>
    public async Task<string> RunAsync(IReadOnlyList<string> arguments, string? workingDirectory = null, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo("git")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? _workDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["LC_ALL"] = "C";
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GIT_ASKPASS"] = WriteAskPass();
        start.Environment["SSH_ASKPASS"] = start.Environment["GIT_ASKPASS"];
        start.Environment["MACHA_GIT_USERNAME"] = _options.Username ?? string.Empty;
        start.Environment["MACHA_GIT_CREDENTIALS_FILE"] = _options.CredentialsFile ?? "/dev/null";

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new ConfigRepositoryException($"git could not be started ({ex.Message}); install git to index the configuration repository.", ex);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.GitTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new ConfigRepositoryException($"git {arguments[0]} timed out after Macha:Knowledge:ConfigRepository:GitTimeout ({_options.GitTimeout}).");
        }

        var standardOutput = await output;
        var standardError = await error;
        if (process.ExitCode != 0)
        {
            throw new ConfigRepositoryException($"git {arguments[0]} failed with exit code {process.ExitCode}: {Excerpt(standardError)}");
        }

        return standardOutput;
    }

    private string WriteAskPass()
    {
        Directory.CreateDirectory(_workDirectory);
        var path = Path.Combine(_workDirectory, "git-askpass.sh");
        if (!File.Exists(path) || File.ReadAllText(path) != AskPassScript)
        {
            File.WriteAllText(path, AskPassScript, new UTF8Encoding(false));
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    private static string Excerpt(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length > 500 ? trimmed[..500] + "…" : trimmed;
    }
}

/// <summary>Cloning, pulling or reading the configuration repository failed.</summary>
public sealed class ConfigRepositoryException(string message, Exception? innerException = null) : Exception(message, innerException);
