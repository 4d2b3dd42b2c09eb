using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Macha.Tests.Fakes;

namespace Macha.Tests.Hosting;

/// <summary>
/// The real program started as a person starts it: the published executable from another
/// directory, and the README's <c>dotnet run --project Macha.Web</c> with a verb.
/// </summary>
public sealed partial class MachaProcessTests
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(90);

    private static readonly string[] TestOnlyAssemblyPrefixes = ["Microsoft.Playwright", "bunit", "xunit", "Microsoft.AspNetCore.Mvc.Testing"];

    [Fact]
    public async Task Main_OtherWorkingDirectory_ReadsAppSettings()
    {
        using var data = new TestDataDirectory();
        var start = MachaProcess.StartInfo(data.Path);
        start.WorkingDirectory = data.Path;

        using var process = Process.Start(start)!;
        try
        {
            var url = await ReadListeningUrlAsync(process);
            using var client = new HttpClient { BaseAddress = new Uri(url) };
            var settings = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/settings", UriKind.Relative));

            // appsettings.json beside macha.dll sets this key; the working directory has no such file.
            var row = settings.EnumerateArray().Single(r => r.GetProperty("key").GetString() == "Macha:Monitoring:CommandTimeout");
            Assert.True(row.GetProperty("isSet").GetBoolean());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Main_AfterHealthCycle_LoadsNoTestLibrary()
    {
        using var data = new TestDataDirectory();
        using var process = Process.Start(MachaProcess.StartInfo(data.Path))!;
        try
        {
            var url = await ReadListeningUrlAsync(process);
            using var client = new HttpClient { BaseAddress = new Uri(url) };
            await RunOneCycleAsync(client);

            // The test output directory holds these libraries beside macha.dll, so only a reference
            // from Macha.Web or Macha.Core would make the program map one of them.
            var mapped = await File.ReadAllLinesAsync($"/proc/{process.Id}/maps");
            var loadedAssemblies = mapped
                .Select(line => Path.GetFileName(line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last()))
                .Where(name => name.EndsWith(".dll", StringComparison.Ordinal))
                .ToHashSet(StringComparer.Ordinal);
            var loadedTestLibraries = loadedAssemblies
                .Where(name => TestOnlyAssemblyPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)))
                .ToList();
            Assert.Contains("macha.dll", loadedAssemblies);
            Assert.Empty(loadedTestLibraries);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task DotnetRun_StatusJson_PrintsOnlyTheJson()
    {
        using var factory = new MachaWebFactory();
        var url = factory.StartOnLoopback();
        var project = Path.Combine(FindRepositoryRoot(), "Macha.Web");
        var start = new ProcessStartInfo("dotnet", ["run", "--no-build", "--project", project, "--", "status", "--json", "--url", url.ToString()])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = factory.DataDirectory,
        };
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment.Remove("MACHA_URL");
        start.Environment.Remove("MACHA_TOKEN");
        start.Environment.Remove("MACHA_TOKEN_FILE");

        using var process = Process.Start(start)!;
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(StartLimit);
        await process.WaitForExitAsync(limit.Token);

        var output = await standardOutput;
        Assert.True(process.ExitCode == 0, $"dotnet run exited with {process.ExitCode}: {await standardError}");
        Assert.StartsWith("{", output, StringComparison.Ordinal);
        using var status = JsonDocument.Parse(output);
        Assert.Equal(url.ToString(), status.RootElement.GetProperty("instance").GetString());
    }

    [Theory]
    [InlineData(new string[0], false)]
    [InlineData(new[] { "--Macha:CheckInterval=00:10:00" }, false)]
    [InlineData(new[] { "--contentRoot=/srv/macha" }, true)]
    [InlineData(new[] { "--contentRoot", "/srv/macha" }, true)]
    public void GivesContentRoot_Arguments_ReadsTheHostSetting(string[] args, bool expected)
    {
        Assert.Equal(expected, Macha.Web.Hosting.MachaProcess.GivesContentRoot(args));
    }

    private static async Task RunOneCycleAsync(HttpClient client)
    {
        using var limit = new CancellationTokenSource(StartLimit);
        using var started = await client.PostAsync(new Uri("/api/cycles", UriKind.Relative), null, limit.Token);
        started.EnsureSuccessStatusCode();
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>(limit.Token)).GetProperty("id").GetString();
        while (true)
        {
            var run = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/cycles/{id}", UriKind.Relative), limit.Token);
            if (run.GetProperty("state").GetString() is not ("Queued" or "Running"))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), limit.Token);
        }
    }

    private static async Task<string> ReadListeningUrlAsync(Process process)
    {
        using var limit = new CancellationTokenSource(StartLimit);
        while (await process.StandardOutput.ReadLineAsync(limit.Token) is { } line)
        {
            var match = ListeningUrl().Match(line);
            if (match.Success)
            {
                return match.Value;
            }
        }

        throw new InvalidOperationException($"macha exited with code {process.ExitCode} before it listened: {await process.StandardError.ReadToEndAsync()}");
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

        throw new InvalidOperationException($"No Macha.sln above {AppContext.BaseDirectory}; dotnet run needs the Macha.Web project.");
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:[0-9]+")]
    private static partial Regex ListeningUrl();
}
