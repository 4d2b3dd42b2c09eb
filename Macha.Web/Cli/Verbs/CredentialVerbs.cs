using System.CommandLine;
using System.Text;
using Macha.Web.Security;

namespace Macha.Web.Cli.Verbs;

/// <summary>
/// <c>users hash-password NAME</c> and <c>tokens create --name NAME --scope SCOPE</c>: make lines for
/// the users and API tokens files. They work offline and never contact a running instance.
/// </summary>
internal static class CredentialVerbs
{
    public static Command CreateUsers(string name, CliContext context)
    {
        var userName = new Argument<string>("NAME") { Description = "The user name: letters, digits, '.', '_', '@' or '-'." };
        var hash = new Command(
            "hash-password",
            "Read a password from standard input (never from the command line) and print the users-file line NAME:HASH for it.");
        hash.Arguments.Add(userName);
        hash.SetAction(async (parsed, cancellationToken) =>
        {
            var environment = context.Environment;
            var password = environment.InputIsTerminal
                ? ReadPasswordTwiceFromTerminal(environment.Error)
                : environment.Input is null ? null : await environment.Input.ReadLineAsync(cancellationToken);
            if (string.IsNullOrEmpty(password))
            {
                await environment.Error.WriteLineAsync($"{context.CommandName("users hash-password")}: the password is missing from standard input, or the two entries differ. Enter it again.");
                return ExitCodes.Usage;
            }

            string line;
            try
            {
                line = CredentialTools.CreateUserLine(parsed.GetValue(userName)!, password);
            }
            catch (ArgumentException invalid)
            {
                await environment.Error.WriteLineAsync($"{context.CommandName("users hash-password")}: {invalid.Message.Split(" (Parameter", 2)[0]}");
                return ExitCodes.Usage;
            }

            await environment.Output.WriteLineAsync(line);
            await environment.Error.WriteLineAsync($"Add this line to the users file ({MachaAuthenticationOptions.SectionName}:UsersFile).");
            return ExitCodes.Success;
        });

        var command = new Command(name, "Manage the users who sign in to the dashboard.");
        command.Subcommands.Add(hash);
        return command;
    }

    public static Command CreateTokens(string name, CliContext context)
    {
        var tokenName = new Option<string>("--name") { Description = "The token's name, recorded as token:NAME in approvals and audit files.", Required = true };
        var scopes = new Option<string[]>("--scope")
        {
            Description = "A scope: read, or operate for changes (it includes read). Repeat it or separate with commas for both.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var create = new Command("create", "Make a new API token; print it once, and the tokens-file line with its SHA-256.");
        create.Options.Add(tokenName);
        create.Options.Add(scopes);
        create.SetAction(async (parsed, cancellationToken) =>
        {
            var environment = context.Environment;
            NewApiToken token;
            try
            {
                token = CredentialTools.CreateToken(parsed.GetValue(tokenName)!, parsed.GetValue(scopes) ?? []);
            }
            catch (ArgumentException invalid)
            {
                await environment.Error.WriteLineAsync($"{context.CommandName("tokens create")}: {invalid.Message.Split(" (Parameter", 2)[0]}");
                return ExitCodes.Usage;
            }

            if (parsed.GetValue<bool>("--json"))
            {
                new CliOutput(environment.Output, json: true).WriteJson(new { token = token.Token, fileLine = token.FileLine });
                return ExitCodes.Success;
            }

            await environment.Output.WriteLineAsync("Token (shown only now; Macha keeps only its SHA-256):");
            await environment.Output.WriteLineAsync(token.Token);
            await environment.Output.WriteLineAsync($"Add this line to the API tokens file ({MachaAuthenticationOptions.SectionName}:TokensFile):");
            await environment.Output.WriteLineAsync(token.FileLine);
            return ExitCodes.Success;
        });

        var command = new Command(name, "Manage the API tokens of scripts.");
        command.Subcommands.Add(create);
        return command;
    }

    /// <summary>Reads the password twice without echo, and returns null when the entries differ.</summary>
    private static string? ReadPasswordTwiceFromTerminal(TextWriter prompt)
    {
        prompt.Write("Password: ");
        var first = ReadHidden();
        prompt.Write("Repeat it: ");
        var second = ReadHidden();
        return first == second ? first : null;

        static string ReadHidden()
        {
            var text = new StringBuilder();
            while (Console.ReadKey(intercept: true) is var key && key.Key != ConsoleKey.Enter)
            {
                if (key.Key == ConsoleKey.Backspace)
                {
                    text.Length = Math.Max(0, text.Length - 1);
                }
                else if (!char.IsControl(key.KeyChar))
                {
                    text.Append(key.KeyChar);
                }
            }

            Console.Error.WriteLine();
            return text.ToString();
        }
    }
}
