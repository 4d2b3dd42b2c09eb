using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace Macha.Web.Hosting;

/// <summary>
/// Adds the JSON settings file named by <see cref="EnvironmentVariable"/> to the configuration. The
/// NixOS module generates this file from its options. It is read after appsettings.json and before
/// environment variables and command-line arguments, so those can still override single keys.
/// </summary>
internal static class MachaSettingsFile
{
    public const string EnvironmentVariable = "MACHA_SETTINGS_FILE";

    /// <exception cref="SettingsFileNotFoundException"><paramref name="path"/> names no file.</exception>
    public static void AddMachaSettingsFile(this IConfigurationBuilder configuration, string? path)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new SettingsFileNotFoundException(fullPath);
        }

        var source = new JsonConfigurationSource
        {
            FileProvider = new PhysicalFileProvider(Path.GetDirectoryName(fullPath)!),
            Path = Path.GetFileName(fullPath),
            Optional = false,
            ReloadOnChange = false,
        };

        // The unprefixed environment variables come right after the appsettings files in
        // WebApplication.CreateBuilder's sources; a builder without them gets the file last.
        var sources = configuration.Sources;
        var environmentIndex = sources
            .Select((candidate, index) => (candidate, index))
            .FirstOrDefault(entry => entry.candidate is EnvironmentVariablesConfigurationSource { Prefix: null or "" }, (null!, sources.Count))
            .index;
        sources.Insert(environmentIndex, source);
    }
}

/// <summary>The file named by MACHA_SETTINGS_FILE does not exist.</summary>
internal sealed class SettingsFileNotFoundException(string path)
    : IOException($"the settings file {path}, named by {MachaSettingsFile.EnvironmentVariable}, does not exist.")
{
    public string SettingsFilePath { get; } = path;
}
