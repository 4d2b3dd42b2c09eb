using System.Diagnostics;
using System.Text.Json;

namespace Macha.Tests.Nix;

/// <summary>
/// Runs Debian's nix-instantiate (Nix 2.8) on the repository's Nix files. It parses and evaluates
/// offline, in read-only mode, so nothing is written to a Nix store.
/// </summary>
internal static class NixEvaluator
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>The repository's top directory, found by walking up from the test binaries to Macha.sln.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string StandInDirectory => Path.Combine(RepositoryRoot, "Macha.Tests", "TestData", "nix");

    /// <summary>Runs nix-instantiate --parse on one file.</summary>
    public static Task<ProcessOutput> ParseAsync(string path) =>
        RunAsync(["--parse", path]);

    /// <summary>
    /// Evaluates <paramref name="module"/> with <paramref name="configuration"/>, a Nix expression such
    /// as <c>{ services.macha-autonomous.enable = true; }</c>, through TestData/nix/eval-module.nix,
    /// and returns its JSON result. Throws <see cref="NixEvaluationException"/> with Nix's message
    /// when the evaluation fails.
    /// </summary>
    public static async Task<JsonElement> EvaluateModuleAsync(
        string configuration, string module = "module.nix", string optionRoot = "services.macha-autonomous", string? programRoot = null)
    {
        var output = await TryEvaluateModuleAsync(configuration, module, optionRoot, programRoot);
        if (output.ExitCode != 0)
        {
            throw new NixEvaluationException(output.StandardError);
        }

        using var document = JsonDocument.Parse(output.StandardOutput);
        return document.RootElement.Clone();
    }

    public static Task<ProcessOutput> TryEvaluateModuleAsync(
        string configuration, string module = "module.nix", string optionRoot = "services.macha-autonomous", string? programRoot = null)
    {
        var rootList = "[ " + string.Join(' ', optionRoot.Split('.').Select(name => $"\"{name}\"")) + " ]";
        List<string> arguments =
        [
            "--eval", "--strict", "--json",
            Path.Combine(StandInDirectory, "eval-module.nix"),
            "--arg", "module", Path.Combine(RepositoryRoot, module),
            "--arg", "optionRoot", rootList,
            "--arg", "configuration", configuration,
        ];
        if (programRoot is not null)
        {
            arguments.AddRange(["--argstr", "programRoot", programRoot]);
        }

        return RunAsync(arguments);
    }

    private static async Task<ProcessOutput> RunAsync(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("nix-instantiate")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        // Read-only mode keeps evaluation away from the store and its database; the empty build group
        // silences Debian's warning about the missing nixbld group.
        foreach (var argument in (string[])["--readonly-mode", "--option", "build-users-group", "", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)
            ?? throw new InvalidOperationException("nix-instantiate did not start; install Debian's nix-bin package.");
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(Timeout);
        await process.WaitForExitAsync(limit.Token);
        return new ProcessOutput(process.ExitCode, await standardOutput, await standardError);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Macha.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Macha.sln above {AppContext.BaseDirectory}.");
    }
}

internal sealed record ProcessOutput(int ExitCode, string StandardOutput, string StandardError);

internal sealed class NixEvaluationException(string message) : Exception(message);
