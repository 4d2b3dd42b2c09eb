namespace Macha.Web.Cli;

/// <summary>
/// What the CLI reads from and writes to outside its arguments. Input is standard input, which
/// only the credential verbs read; InputIsTerminal makes them prompt without echo. Tests pass their own writers,
/// variables and directories, so a run never reads the real user's configuration.
/// </summary>
internal sealed record CliEnvironment(
    TextWriter Output,
    TextWriter Error,
    Func<string, string?> GetVariable,
    string? HomeDirectory,
    string SystemConfigPath,
    TextReader? Input = null,
    bool InputIsTerminal = false)
{
    public const string DefaultSystemConfigPath = "/etc/macha/cli.json";

    /// <summary>The real process: its console, its environment and the user's home directory.</summary>
    public static CliEnvironment FromProcess() => new(
        Console.Out,
        Console.Error,
        Environment.GetEnvironmentVariable,
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify),
        DefaultSystemConfigPath,
        Console.In,
        !Console.IsInputRedirected);
}
