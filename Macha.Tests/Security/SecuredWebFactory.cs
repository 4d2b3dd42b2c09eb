using System.Collections.Concurrent;
using Macha.Tests.Fakes;
using Macha.Web.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Macha.Tests.Security;

/// <summary>
/// The whole Macha web app with a users file and a tokens file in a temporary directory, every log
/// event captured, and framework logging turned up to Verbose so a secret in any log line is caught.
/// </summary>
public sealed class SecuredWebFactory : WebApplicationFactory<Program>
{
    public const string UserName = "alice";
    public const string Password = "correct horse battery staple";
    public const string ReadTokenName = "monitor";
    public const string OperateTokenName = "deploy";

    private readonly TestDataDirectory _data = new();
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _configureServices;

    public SecuredWebFactory()
        : this(new Dictionary<string, string?>())
    {
    }

    /// <param name="configureServices">Changes the app's services after Macha registered its own.</param>
    internal SecuredWebFactory(Dictionary<string, string?> settings, Action<IServiceCollection>? configureServices = null)
    {
        _settings = settings;
        _configureServices = configureServices;
        ReadToken = CredentialTools.CreateToken(ReadTokenName, [MachaPolicies.Read]);
        OperateToken = CredentialTools.CreateToken(OperateTokenName, [MachaPolicies.Read, MachaPolicies.Operate]);
        UsersFile = Path.Combine(_data.Path, "users");
        TokensFile = Path.Combine(_data.Path, "tokens");
        File.WriteAllText(UsersFile, $"# Macha users\n{CredentialTools.CreateUserLine(UserName, Password)}\n");
        File.WriteAllText(TokensFile, $"{ReadToken.FileLine}\n\n{OperateToken.FileLine}\n");
    }

    public NewApiToken ReadToken { get; }

    public string DataDirectory => _data.Path;

    public NewApiToken OperateToken { get; }

    public string UsersFile { get; }

    public string TokensFile { get; }

    public LogCapture Logs { get; } = new();

    public HttpClient CreateBrowserClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Macha:DataDirectory", _data.Path);
        builder.UseSetting("Macha:CheckInterval", "01:00:00");
        builder.UseSetting("Macha:Authentication:UsersFile", UsersFile);
        builder.UseSetting("Macha:Authentication:TokensFile", TokensFile);

        // The tests of one fixture share the limiter's partition; the rate-limit test sets its own limit.
        builder.UseSetting("Macha:Authentication:SignInAttemptsPerWindow", "1000");
        builder.UseSetting("Serilog:MinimumLevel:Default", "Information");
        builder.UseSetting("Serilog:MinimumLevel:Override:Microsoft.AspNetCore", "Verbose");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services => services.AddSingleton<ILogEventSink>(Logs));
        if (_configureServices is not null)
        {
            builder.ConfigureTestServices(_configureServices);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _data.Dispose();
        }
    }
}

/// <summary>Every Serilog event the app writes, as text with its properties and exception.</summary>
public sealed class LogCapture : ILogEventSink
{
    // The console's format: string properties without quotes.
    private static readonly MessageTemplateTextFormatter Formatter = new("{Message:lj}");

    private readonly ConcurrentQueue<LogEvent> _events = new();

    public IReadOnlyList<LogEvent> Events => _events.ToList();

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);

    public IReadOnlyList<string> Lines() =>
        _events.Select(logEvent => string.Join(
            " | ",
            Render(logEvent),
            string.Join(", ", logEvent.Properties.Select(property => $"{property.Key}={property.Value}")),
            logEvent.Exception?.ToString() ?? string.Empty)).ToList();

    private static string Render(LogEvent logEvent)
    {
        using var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        Formatter.Format(logEvent, writer);
        return writer.ToString();
    }
}
