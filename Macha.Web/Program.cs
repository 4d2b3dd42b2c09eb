using Macha.Web.Hosting;

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
