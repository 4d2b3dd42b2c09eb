using Macha.Web.Cli;
using Macha.Web.Hosting;

// A verb as the first argument (or a wrapper's MACHA_CLI_NAME) makes this process a client of a
// running instance; without one it runs Macha itself, as `dotnet run --project Macha.Web` does.
if (MachaCli.IsInvocation(args, Environment.GetEnvironmentVariable))
{
    return await MachaCli.RunFromProcessAsync(args);
}

// Only when Macha is the process: WebApplicationFactory runs this entry point with its own host arguments.
if (MachaProcess.IsEntryPoint() && MachaCli.FindUnknownWebAppArgument(args) is { } unknown)
{
    await Console.Error.WriteLineAsync(
        $"macha: unknown argument '{unknown}'. Pass settings as --Section:Key=value (for example --Macha:CheckInterval=00:10:00); run 'macha --help' for the commands.");
    return ExitCodes.Usage;
}

try
{
    var builder = WebApplication.CreateBuilder(MachaProcess.CreateWebOptions(args));
    builder.AddMacha();

    var app = builder.Build();
    app.UseMacha();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (StartupFailures.IsReportable(ex))
{
    await StartupFailures.ReportAsync(ex);
    return StartupFailures.ExitCode;
}

public partial class Program;
