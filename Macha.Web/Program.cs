using Macha.Web.Cli;
using Macha.Web.Hosting;

// A verb as the first argument (or a wrapper's MACHA_CLI_NAME) makes this process a client of a
// running instance; without one it runs Macha itself, as `dotnet run --project Macha.Web` does.
if (MachaCli.IsInvocation(args, Environment.GetEnvironmentVariable))
{
    return await MachaCli.RunFromProcessAsync(args);
}

try
{
    var builder = WebApplication.CreateBuilder(args);
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
