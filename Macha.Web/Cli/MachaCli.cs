using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Macha.Web.Cli.Verbs;

namespace Macha.Web.Cli;

/// <summary>
/// The command line of the <c>macha</c> executable. With a verb as its first argument the process
/// is a client of a running instance's API; without one it runs Macha itself.
/// </summary>
/// <remarks>
/// Wrappers such as <c>macha-approve</c> set MACHA_CLI_NAME to their own name and run
/// <c>macha approve "$@"</c>. The CLI then names itself after the wrapper in help and errors, and
/// the wrapper's verb becomes the top-level command, so <c>macha-approve list</c> reads as it
/// should. The variable is used instead of argv[0] because a .NET app host has its own path there,
/// not the name of a wrapper script or link.
/// </remarks>
internal static class MachaCli
{
    public const string ProgramName = "macha";

    /// <summary>Set by a wrapper to its own name, such as macha-approve.</summary>
    public const string NameVariable = "MACHA_CLI_NAME";

    private static readonly IReadOnlyList<VerbDefinition> Verbs =
    [
        new("check", CheckVerb.Create),
        new("approve", ApproveVerb.Create),
        new("logs", LogsVerb.Create),
        new("status", AutonomyVerbs.CreateStatus),
        new("pause", AutonomyVerbs.CreatePause),
        new("resume", AutonomyVerbs.CreateResume),
        new("audit", AuditVerb.Create),
        new("knowledge", KnowledgeVerb.Create),
        new("incidents", IncidentsVerb.Create),
        new("notifications", NotificationsVerb.Create),
        new("settings", SettingsVerb.Create),
        new("hosts", HostsVerb.Create),
        new("users", CredentialVerbs.CreateUsers),
        new("tokens", CredentialVerbs.CreateTokens),
    ];

    private static readonly HashSet<string> HelpArguments = new(StringComparer.Ordinal) { "help", "--help", "-h", "-?", "--version" };

    /// <summary>Settings the ASP.NET Core host reads from the command line without a section.</summary>
    private static readonly HashSet<string> HostSettingKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "urls", "http_ports", "https_ports", "environment", "contentRoot", "applicationName", "webroot",
        "detailedErrors", "shutdownTimeoutSeconds", "preventHostingStartup", "hostingStartupAssemblies",
        "hostingStartupExcludeAssemblies", "pathBase",
    };

    private static readonly HashSet<string> GlobalOptionsWithValue = new(StringComparer.Ordinal) { "--url", "--token-file" };

    /// <summary>
    /// Returns whether these arguments ask for the CLI rather than the web app: the first argument
    /// after any global CLI options (--url X, --token-file X, --json) is a verb or requests help.
    /// </summary>
    public static bool IsInvocation(IReadOnlyList<string> args, Func<string, string?> getVariable)
    {
        if (!string.IsNullOrEmpty(getVariable(NameVariable)))
        {
            return true;
        }

        var (leading, rest) = SplitLeadingOptions(args);
        if (rest.Count == 0)
        {
            return leading.Count > 0;
        }

        // A bare word is meant as a verb, even a mistyped one: the CLI then names it and exits 2,
        // where the web app would ignore it and start a second Macha on the default data directory.
        return HelpArguments.Contains(rest[0]) || Verbs.Any(verb => verb.Name == rest[0]) || IsBareWord(rest[0]);
    }

    /// <summary>
    /// Returns the first argument the web app would silently ignore, or null when every argument is
    /// a setting: <c>--Section:Key=value</c>, <c>--Section:Key value</c>, <c>Section:Key=value</c>,
    /// or one of the host's own keys such as <c>--urls</c> and <c>--environment</c>.
    /// </summary>
    public static string? FindUnknownWebAppArgument(IReadOnlyList<string> args)
    {
        for (var index = 0; index < args.Count; index++)
        {
            var argument = args[index];
            var switched = argument.StartsWith('-') || argument.StartsWith('/');
            if (!switched && !argument.Contains('=', StringComparison.Ordinal))
            {
                return argument;
            }

            var key = argument.TrimStart('-', '/');
            var equals = key.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                key = key[..equals];
            }
            else if (switched)
            {
                index++; // the value follows as its own argument
            }

            if (key.Length == 0 || (!key.Contains(':', StringComparison.Ordinal) && !HostSettingKeys.Contains(key)))
            {
                return argument;
            }
        }

        return null;
    }

    private static bool IsBareWord(string argument) =>
        !argument.StartsWith('-') && !argument.StartsWith('/') && !argument.Contains('=', StringComparison.Ordinal);

    /// <summary>Runs the CLI as the process: its console, its environment, Ctrl+C to stop a follower.</summary>
    public static async Task<int> RunFromProcessAsync(string[] args)
    {
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        return await RunAsync(args, CliEnvironment.FromProcess(), stop.Token);
    }

    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        var (root, name, verbArgs) = BuildRoot(args, environment);
        var parsed = root.Parse(verbArgs);
        if (parsed.Action is ParseErrorAction)
        {
            foreach (var error in parsed.Errors)
            {
                await environment.Error.WriteLineAsync($"{name}: {error.Message}");
            }

            var path = CommandPath(parsed.CommandResult).Skip(1).ToList();
            var usage = path.Count == 0 ? name : $"{name} {string.Join(' ', path)}";
            await environment.Error.WriteLineAsync($"Run '{usage} --help' for usage.");
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = environment.Output,
            Error = environment.Error,
            // Ctrl+C is handled by RunFromProcessAsync, which cancels the token instead of killing the process.
            ProcessTerminationTimeout = null,
        };

        // A verb parsed on its own is named macha-VERB; its help should read "macha VERB".
        if (parsed.Action is HelpAction && root.Name != name)
        {
            var help = new StringWriter();
            invocation.Output = help;
            var exitCode = await parsed.InvokeAsync(invocation, cancellationToken);
            await environment.Output.WriteAsync(help.ToString().Replace(root.Name, name, StringComparison.Ordinal));
            return exitCode;
        }

        return await parsed.InvokeAsync(invocation, cancellationToken);
    }

    /// <summary>
    /// Builds the command tree to parse with, and the name to show: a verb's own tree when the first
    /// argument or a wrapper names one, otherwise the full tree under "macha" (for help and version).
    /// </summary>
    /// <remarks>
    /// A verb is parsed as a root of its own, named macha-VERB, because System.CommandLine 2.0 cannot
    /// tokenize a subcommand that has its parent's name, and "macha approve approve ID" needs one.
    /// </remarks>
    internal static (Command Root, string Name, IReadOnlyList<string> Args) BuildRoot(IReadOnlyList<string> args, CliEnvironment environment)
    {
        var wrapperName = environment.GetVariable(NameVariable);
        var wrapped = wrapperName is { Length: > 0 }
            ? Verbs.FirstOrDefault(verb => string.Equals(wrapperName, $"{ProgramName}-{verb.Name}", StringComparison.Ordinal))
            : null;
        if (wrapped is not null)
        {
            // The wrapper runs `macha VERB "$@"`; its own arguments follow the verb.
            var wrapperArgs = args.Count > 0 && args[0] == wrapped.Name ? args.Skip(1).ToList() : args.ToList();
            return (BuildVerb(wrapped, environment, wrapperName!), wrapperName!, wrapperArgs);
        }

        // Global options may come before the verb (macha --url X status); the verb's tree takes them anywhere after it.
        var (leading, rest) = SplitLeadingOptions(args);
        var named = rest.Count > 0 ? Verbs.FirstOrDefault(verb => verb.Name == rest[0]) : null;
        if (named is not null)
        {
            return (BuildVerb(named, environment, ProgramName), $"{ProgramName} {named.Name}", [.. rest.Skip(1), .. leading]);
        }

        var options = new CliGlobalOptions();
        var context = new CliContext(environment, options, ProgramName);
        var root = new RootCommand(
            "Macha, a self-hosted autonomous system administrator. Without a command, runs Macha itself; "
            + "with one, talks to a running instance's REST API (--url, MACHA_URL, or the CLI config file).");
        foreach (var verb in Verbs)
        {
            root.Subcommands.Add(verb.Create(verb.Name, context));
        }

        options.AddTo(root);
        return (root, ProgramName, args.Count > 0 && args[0] == "help" ? ["--help"] : args);
    }

    private static (List<string> Leading, List<string> Remaining) SplitLeadingOptions(IReadOnlyList<string> args)
    {
        var index = 0;
        while (index < args.Count)
        {
            if (args[index] == "--json" || args[index].StartsWith("--url=", StringComparison.Ordinal) || args[index].StartsWith("--token-file=", StringComparison.Ordinal))
            {
                index++;
            }
            else if (GlobalOptionsWithValue.Contains(args[index]) && index + 1 < args.Count)
            {
                index += 2;
            }
            else
            {
                break;
            }
        }

        return (args.Take(index).ToList(), args.Skip(index).ToList());
    }

    private static Command BuildVerb(VerbDefinition verb, CliEnvironment environment, string programName)
    {
        var options = new CliGlobalOptions();
        var command = verb.Create($"{ProgramName}-{verb.Name}", new CliContext(environment, options, programName));
        command.Options.Add(new HelpOption());
        options.AddTo(command);
        return command;
    }

    private static Stack<string> CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new Stack<string>();
        for (System.CommandLine.Parsing.SymbolResult? current = result; current is not null; current = current.Parent)
        {
            if (current is System.CommandLine.Parsing.CommandResult command)
            {
                names.Push(command.Command.Name);
            }
        }

        return names;
    }

    private sealed record VerbDefinition(string Name, Func<string, CliContext, Command> Create);
}

/// <summary>Options every verb accepts, wherever they appear on the line.</summary>
internal sealed class CliGlobalOptions
{
    public Option<string> Url { get; } = new("--url")
    {
        Description = "URL of the Macha instance, such as http://127.0.0.1:5380. Default: MACHA_URL, then the CLI config file, then http://127.0.0.1:5380.",
        Recursive = true,
    };

    public Option<string> TokenFile { get; } = new("--token-file")
    {
        Description = "File that contains the API token. Default: MACHA_TOKEN_FILE, MACHA_TOKEN, then tokenFile in the CLI config file.",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print JSON for scripts instead of tables.",
        Recursive = true,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Url);
        command.Options.Add(TokenFile);
        command.Options.Add(Json);
    }
}

/// <summary>What a verb's action needs: the environment, the global options, and the name to print in messages.</summary>
internal sealed class CliContext(CliEnvironment environment, CliGlobalOptions options, string programName)
{
    public CliEnvironment Environment { get; } = environment;

    public string ProgramName { get; } = programName;

    /// <summary>Returns how a person types a verb here: "macha approve", or just "macha-approve" under that wrapper.</summary>
    public string CommandName(string verb) =>
        ProgramName == MachaCli.ProgramName ? $"{ProgramName} {verb}" : ProgramName;

    /// <summary>
    /// Wraps a verb's body: resolves the instance and token, creates the API client, and prints a
    /// <see cref="CliException"/> as one line prefixed with the program's name, returning its exit code.
    /// </summary>
    public Func<ParseResult, CancellationToken, Task<int>> Run(Func<ParseResult, MachaApiClient, CliOutput, CancellationToken, Task<int>> body) =>
        async (parsed, cancellationToken) =>
        {
            try
            {
                var settings = CliSettings.Resolve(Environment, parsed.GetValue(options.Url), parsed.GetValue(options.TokenFile));
                using var client = new MachaApiClient(settings);
                return await body(parsed, client, new CliOutput(Environment.Output, parsed.GetValue(options.Json)), cancellationToken);
            }
            catch (CliException ex)
            {
                await Environment.Error.WriteLineAsync($"{ProgramName}: {ex.Message}");
                return ex.ExitCode;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C ends a follower; that is how it is meant to stop.
                return ExitCodes.Success;
            }
        };
}
