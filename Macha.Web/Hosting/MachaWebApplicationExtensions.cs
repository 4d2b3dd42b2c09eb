using System.Text.Json.Serialization;
using Macha.Core;
using Macha.Core.Configuration;
using Microsoft.AspNetCore.DataProtection;
using Macha.Web.Api;
using Macha.Web.Components;
using Macha.Web.Jobs;
using Macha.Web.Security;
using Macha.Web.Status;
using MudBlazor.Services;
using Serilog;
using Serilog.Events;

namespace Macha.Web.Hosting;

/// <summary>Wires Macha into the web host; Program.cs stays a few lines.</summary>
internal static class MachaWebApplicationExtensions
{
    // Under systemd, journald stamps each line itself, so the console template leaves the time out.
    private const string JournalTemplate = "[{Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";
    private const string TerminalTemplate = "{Timestamp:HH:mm:ss} [{Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    public static WebApplicationBuilder AddMacha(this WebApplicationBuilder builder)
    {
        builder.Configuration.AddMachaSettingsFile(Environment.GetEnvironmentVariable(MachaSettingsFile.EnvironmentVariable));
        builder.AddMachaLogging();

        // Under systemd with Type=notify, tells systemd when the host has started and when it stops.
        // Outside systemd (no NOTIFY_SOCKET, parent not systemd) it does nothing.
        builder.Services.AddSystemd();

        // `dotnet run` outside Development would not serve library assets (MudBlazor's CSS and JS)
        // from the build output without this; a published app has no manifest and is unaffected.
        builder.WebHost.UseStaticWebAssets();

        // With the build output's manifest (dotnet run, tests), MapStaticAssets adds a GET and HEAD
        // fallback route for files added to wwwroot after the build. The router checks its method
        // before its file check, so a POST to any unknown address got 405 instead of 404. Macha's
        // files are all known at build time.
        builder.Configuration["DisableStaticAssetNotFoundRuntimeFallback"] = "true";
        builder.Services.AddDataProtection()
            .SetApplicationName("macha")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(DataDirectoryOf(builder.Configuration), "keys")));

        builder.Services.AddMachaCore(builder.Configuration);
        builder.Services.AddMachaScheduling();
        builder.Services.AddMachaHealthChecks();
        builder.Services.AddMachaDependencyStatus();

        builder.Services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddMachaApiErrorHandling();
        builder.Services.AddMachaOpenApi();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();

        // After AddRazorComponents, so that its authentication state provider replaces Blazor's default.
        builder.AddMachaSecurity();
        return builder;
    }

    public static WebApplication UseMacha(this WebApplication app)
    {
        // First, so that everything after it (logs, the sign-in rate limit, the cookie's Secure flag)
        // sees the client and scheme a known reverse proxy reports. It changes nothing for other peers.
        app.UseForwardedHeaders();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler();
        }

        app.UseMachaApiErrorHandling();
        app.UseMachaStatusCodePages();
        app.UseRouting();
        app.UseMachaUnknownApiRoutes();
        app.UseMachaSecurity();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapMachaSignIn();
        app.MapMachaApi();
        app.MapMachaOpenApi();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().RequireAuthorization(MachaPolicies.Read);
        return app;
    }

    private static string DataDirectoryOf(ConfigurationManager configuration)
    {
        var options = new MachaOptions();
        configuration.GetSection(MachaOptions.SectionName).Bind(options);
        return options.ResolveDataDirectory();
    }

    private static void AddMachaLogging(this WebApplicationBuilder builder)
    {
        var underJournal = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("JOURNAL_STREAM"));
        builder.Services.AddSerilog((services, logger) => logger
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .MinimumLevel.Override("System", LogEventLevel.Warning)
            .MinimumLevel.Override("Quartz", LogEventLevel.Warning)
            // A failed start is reported once, in plain words, by MachaProgram; the host's own
            // error line would repeat it with a stack trace.
            .MinimumLevel.Override("Microsoft.Extensions.Hosting.Internal.Host", LogEventLevel.Fatal)
            // Keys stay unencrypted in the data directory, which only Macha's user can read; the
            // warning about it would repeat at every start without telling the operator anything new.
            .MinimumLevel.Override("Microsoft.AspNetCore.DataProtection", LogEventLevel.Error)
            // Retries of Ollama, ChromaDB and Gotify requests would log every attempt with a stack
            // trace, hundreds of lines an hour while one is down. Macha reports the outcome itself
            // (the dependency status and one warning per change); an opened circuit still shows.
            .MinimumLevel.Override("Polly", LogEventLevel.Error)
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .Enrich.FromLogContext()
            .WriteTo.Console(outputTemplate: underJournal ? JournalTemplate : TerminalTemplate),
            // Each host logs through its own logger, not the static Log.Logger, because the last
            // host built in a process would own that one, and tests run several hosts at once.
            preserveStaticLogger: true);
    }
}
