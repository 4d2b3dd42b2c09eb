using System.Text.Json;

namespace Macha.Web.Cli;

/// <summary>
/// The instance the CLI talks to and the API token it sends. The token is never taken from the
/// command line, where other users could read it in the process list.
/// </summary>
/// <remarks>
/// Each setting is taken from the first source that has it: the <c>--url</c> and <c>--token-file</c>
/// options; the variables MACHA_URL, MACHA_TOKEN_FILE and MACHA_TOKEN; the file named by
/// MACHA_CLI_CONFIG; <c>$XDG_CONFIG_HOME/macha/cli.json</c> (else <c>~/.config/macha/cli.json</c>);
/// <c>/etc/macha/cli.json</c>. A config file has the members <c>url</c> and <c>tokenFile</c>.
/// </remarks>
internal sealed record CliSettings(Uri BaseUrl, string? Token, string UrlSource)
{
    public const string DefaultUrl = "http://127.0.0.1:5380";

    private static readonly JsonSerializerOptions ConfigJson = new(JsonSerializerDefaults.Web) { ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static CliSettings Resolve(CliEnvironment environment, string? urlOption, string? tokenFileOption)
    {
        var files = ConfigFiles(environment).Select(path => (Path: path, Config: ReadConfig(path))).Where(file => file.Config is not null).ToList();

        var (url, urlSource) = urlOption is { Length: > 0 }
            ? (urlOption, "--url")
            : environment.GetVariable("MACHA_URL") is { Length: > 0 } fromVariable
                ? (fromVariable, "MACHA_URL")
                : files.FirstOrDefault(file => file.Config!.Url is { Length: > 0 }) is { Config: not null } withUrl
                    ? (withUrl.Config.Url!, withUrl.Path)
                    : (DefaultUrl, "the default");

        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
        {
            throw new CliException(ExitCodes.Usage, $"The instance URL '{url}' from {urlSource} is not an http or https URL. Set it like http://127.0.0.1:5380.");
        }

        return new CliSettings(baseUrl, ResolveToken(environment, tokenFileOption, files), urlSource);
    }

    private static string? ResolveToken(CliEnvironment environment, string? tokenFileOption, List<(string Path, ConfigFile? Config)> files)
    {
        if (tokenFileOption is { Length: > 0 })
        {
            return ReadTokenFile(tokenFileOption, "--token-file");
        }

        if (environment.GetVariable("MACHA_TOKEN_FILE") is { Length: > 0 } tokenFile)
        {
            return ReadTokenFile(tokenFile, "MACHA_TOKEN_FILE");
        }

        if (environment.GetVariable("MACHA_TOKEN") is { Length: > 0 } token)
        {
            return token.Trim();
        }

        return files.FirstOrDefault(file => file.Config!.TokenFile is { Length: > 0 }) is { Config: not null } withToken
            ? ReadTokenFile(withToken.Config.TokenFile!, withToken.Path)
            : null;
    }

    private static string ReadTokenFile(string path, string source)
    {
        try
        {
            var token = File.ReadAllText(path).Trim();
            return token.Length > 0
                ? token
                : throw new CliException(ExitCodes.Failure, $"The token file {path} (from {source}) is empty. Write the API token into it.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Failure, $"The token file {path} (from {source}) cannot be read: {ex.Message}");
        }
    }

    private static IEnumerable<string> ConfigFiles(CliEnvironment environment)
    {
        if (environment.GetVariable("MACHA_CLI_CONFIG") is { Length: > 0 } explicitPath)
        {
            yield return explicitPath;
        }

        if (environment.GetVariable("XDG_CONFIG_HOME") is { Length: > 0 } configHome)
        {
            yield return Path.Combine(configHome, "macha", "cli.json");
        }
        else if (environment.HomeDirectory is { Length: > 0 } home)
        {
            yield return Path.Combine(home, ".config", "macha", "cli.json");
        }

        yield return environment.SystemConfigPath;
    }

    private static ConfigFile? ReadConfig(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ConfigFile>(File.ReadAllText(path), ConfigJson);
        }
        catch (JsonException ex)
        {
            throw new CliException(ExitCodes.Failure, $"The CLI config file {path} is not valid JSON: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Failure, $"The CLI config file {path} cannot be read: {ex.Message}");
        }
    }

    private sealed record ConfigFile(string? Url, string? TokenFile);
}
