using System.Diagnostics;
using Macha.Web.Cli;

namespace Macha.Tests.Cli;

/// <summary>Which arguments make the executable a CLI rather than the web app.</summary>
public sealed class MachaCliInvocationTests
{
    [Theory]
    [InlineData(true, "status")]
    [InlineData(true, "approve", "list")]
    [InlineData(true, "--help")]
    [InlineData(true, "help")]
    [InlineData(true, "--url", "http://127.0.0.1:5380", "status")]
    [InlineData(true, "--json", "check")]
    [InlineData(true, "stauts")]
    [InlineData(true, "--url", "http://127.0.0.1:5380", "bogusverb")]
    [InlineData(false)]
    [InlineData(false, "--Macha:CheckInterval=00:01:00")]
    [InlineData(false, "--urls", "http://127.0.0.1:5000")]
    [InlineData(false, "--environment", "Development")]
    public void IsInvocation_Arguments_SelectsCliOrWebApp(bool expected, params string[] args)
    {
        Assert.Equal(expected, MachaCli.IsInvocation(args, _ => null));
    }

    [Theory]
    [InlineData("--bogus-flag")]
    [InlineData("--Macha:CheckInterval=00:01:00", "--verbose")]
    [InlineData("--urls", "http://127.0.0.1:5000", "extra")]
    [InlineData("--=value")]
    public void FindUnknownWebAppArgument_NotASetting_ReturnsIt(params string[] args)
    {
        Assert.Equal(args[^1], MachaCli.FindUnknownWebAppArgument(args));
    }

    [Theory]
    [InlineData]
    [InlineData("--Macha:CheckInterval=00:01:00")]
    [InlineData("--Kestrel:Endpoints:Http:Url", "http://127.0.0.1:5000")]
    [InlineData("Macha:DataDirectory=/var/lib/macha")]
    [InlineData("/urls", "http://127.0.0.1:5000", "--ENVIRONMENT=Development")]
    [InlineData("--contentRoot=/srv/macha", "--applicationName=macha")]
    public void FindUnknownWebAppArgument_OnlySettings_ReturnsNull(params string[] args)
    {
        Assert.Null(MachaCli.FindUnknownWebAppArgument(args));
    }

    [Fact]
    public void IsInvocation_WrapperVariable_AlwaysCli()
    {
        Assert.True(MachaCli.IsInvocation([], name => name == MachaCli.NameVariable ? "macha-logs" : null));
    }

    [Fact]
    public async Task Executable_VerbWithNothingListening_ExitsWithoutStartingTheWebApp()
    {
        // The real program, to prove Program.cs sends a verb to the CLI: a web app would keep running.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "macha.dll"));
        start.ArgumentList.Add("status");
        start.Environment["MACHA_URL"] = "http://127.0.0.1:1";
        start.Environment["HOME"] = AppContext.BaseDirectory;
        start.Environment.Remove("XDG_CONFIG_HOME");
        start.Environment.Remove("MACHA_CLI_CONFIG");
        using var process = Process.Start(start)!;
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        var error = await process.StandardError.ReadToEndAsync(limit.Token);
        await process.WaitForExitAsync(limit.Token);

        Assert.Equal(ExitCodes.Failure, process.ExitCode);
        Assert.Contains("Cannot reach Macha at http://127.0.0.1:1/", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, "stauts")]
    [InlineData(2, "--bogus-flag")]
    public async Task Executable_UnknownArgument_ExitsWithUsage(int expectedExitCode, string argument)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "macha.dll"));
        start.ArgumentList.Add(argument);
        start.Environment["HOME"] = AppContext.BaseDirectory;
        // If the web app started anyway, it must not touch a real data directory.
        var dataDirectory = Directory.CreateTempSubdirectory("macha-cli-usage-");
        start.Environment["Macha__DataDirectory"] = dataDirectory.FullName;
        start.Environment.Remove("XDG_CONFIG_HOME");
        start.Environment.Remove("MACHA_CLI_CONFIG");
        using var process = Process.Start(start)!;
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            var error = await process.StandardError.ReadToEndAsync(limit.Token);
            await process.WaitForExitAsync(limit.Token);

            Assert.Equal(expectedExitCode, process.ExitCode);
            Assert.Contains(argument, error, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            dataDirectory.Delete(recursive: true);
        }
    }
}
