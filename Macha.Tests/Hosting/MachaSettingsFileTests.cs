using System.Diagnostics;
using Macha.Tests.Fakes;
using Macha.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Macha.Tests.Hosting;

public sealed class MachaSettingsFileTests
{
    [Fact]
    public void AddMachaSettingsFile_FileValues_OverrideAppSettings()
    {
        using var directory = new TestDataDirectory();
        var path = WriteSettings(directory, """{ "Macha": { "CheckInterval": "00:01:30" } }""");
        var builder = WebApplication.CreateBuilder();

        builder.Configuration.AddMachaSettingsFile(path);

        Assert.Equal("00:01:30", builder.Configuration["Macha:CheckInterval"]);
    }

    [Fact]
    public void AddMachaSettingsFile_EnvironmentVariable_OverridesTheFile()
    {
        using var directory = new TestDataDirectory();
        var path = WriteSettings(directory, """{ "Macha": { "LocalHostName": "from-file" } }""");
        var builder = new ConfigurationManager();
        builder.AddJsonFile(WriteSettings(directory, """{ "Macha": { "LocalHostName": "from-appsettings" } }""", "appsettings.json"));
        builder.AddInMemoryCollection([new("Macha:Other", "1")]);
        builder.Sources.Add(new Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationSource());
        builder.AddCommandLine(["--Macha:LocalHostName=from-command-line"]);

        builder.AddMachaSettingsFile(path);

        var order = builder.Sources.Select(source => source.GetType().Name).ToList();
        var settingsFileIndex = order.LastIndexOf("JsonConfigurationSource");
        Assert.Equal("from-command-line", builder["Macha:LocalHostName"]);
        Assert.Equal("EnvironmentVariablesConfigurationSource", order[settingsFileIndex + 1]);
        Assert.Equal("MemoryConfigurationSource", order[settingsFileIndex - 1]);
    }

    [Fact]
    public void AddMachaSettingsFile_NoPath_AddsNothing()
    {
        var builder = new ConfigurationManager();
        var before = builder.Sources.Count;

        builder.AddMachaSettingsFile(null);
        builder.AddMachaSettingsFile(" ");

        Assert.Equal(before, builder.Sources.Count);
    }

    [Fact]
    public void AddMachaSettingsFile_MissingFile_ThrowsNamingTheVariable()
    {
        using var directory = new TestDataDirectory();
        var path = Path.Combine(directory.Path, "missing.json");
        var builder = new ConfigurationManager();

        var error = Assert.Throws<SettingsFileNotFoundException>(() => builder.AddMachaSettingsFile(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("MACHA_SETTINGS_FILE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_MissingSettingsFile_ExitsWithOneClearMessage()
    {
        using var data = new TestDataDirectory();
        var missing = Path.Combine(data.Path, "macha-appsettings.json");
        var start = MachaProcess.StartInfo(data.Path);
        start.Environment["MACHA_SETTINGS_FILE"] = missing;

        using var process = Process.Start(start)!;
        var standardError = process.StandardError.ReadToEndAsync();
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(limit.Token);

        Assert.Equal(1, process.ExitCode);
        var message = await standardError;
        Assert.Contains($"the settings file {missing}, named by MACHA_SETTINGS_FILE, does not exist", message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", message, StringComparison.Ordinal);
        await standardOutput;
    }

    private static string WriteSettings(TestDataDirectory directory, string json, string name = "macha-appsettings.json")
    {
        var path = Path.Combine(directory.Path, name);
        File.WriteAllText(path, json);
        return path;
    }
}
