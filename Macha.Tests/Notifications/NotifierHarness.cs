using Macha.Core.Actions.Autonomy;
using Macha.Core.Configuration;
using Macha.Core.Cycle;
using Macha.Core.Notifications;
using Macha.Core.Storage.Audit;
using Macha.Tests.Fakes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Macha.Tests.Notifications;

/// <summary>
/// The notification services as Macha registers them, against a fake Gotify on a loopback socket,
/// with a token file in a temporary directory and every log line of every category, HttpClient's
/// included, captured at Trace level.
/// </summary>
internal sealed class NotifierHarness : IAsyncDisposable
{
    public const string Token = "AqX7rT2mK9wLpZ3";

    /// <summary>
    /// The timeout of each attempt to send. It is only an upper bound, so a loaded machine does not turn
    /// a slow response into a retry. A test of the timeout itself moves a fake clock past it.
    /// </summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(1);

    private readonly TestDataDirectory _data;

    private NotifierHarness(ServiceProvider provider, IConfigurationRoot configuration, FakeGotifyServer gotify, TestDataDirectory data, string tokenFile)
    {
        Provider = provider;
        Configuration = configuration;
        Gotify = gotify;
        _data = data;
        TokenFile = tokenFile;
    }

    public ServiceProvider Provider { get; }

    /// <summary>The settings the services read; set a key and call Reload to change options at run time.</summary>
    public IConfigurationRoot Configuration { get; }

    public FakeGotifyServer Gotify { get; }

    public string TokenFile { get; }

    public string DataDirectory => _data.Path;

    public FakeLogCollector Logs => Provider.GetFakeLogCollector();

    public static async Task<NotifierHarness> StartAsync(
        IDictionary<string, string?>? settings = null,
        TimeProvider? timeProvider = null,
        string tokenFileContents = Token + "\n")
    {
        var gotify = await FakeGotifyServer.StartAsync();
        gotify.AddApplicationToken(Token);
        var data = new TestDataDirectory();
        var tokenFile = Path.Combine(data.Path, "gotify-token");
        await File.WriteAllTextAsync(tokenFile, tokenFileContents);

        var configuration = new Dictionary<string, string?>
        {
            ["Macha:LocalHostName"] = "macha-host",
            ["Macha:Notifications:Gotify:Url"] = gotify.Uri.ToString(),
            ["Macha:Notifications:Gotify:TokenFile"] = tokenFile,
            ["Macha:PublicUrl"] = "https://macha.example.org/",
            ["Macha:Notifications:RetryDelay"] = "00:00:00.010",
            ["Macha:Notifications:RequestTimeout"] = RequestTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var root = new ConfigurationBuilder().AddInMemoryCollection(configuration).Build();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddFakeLogging());
        if (timeProvider is not null)
        {
            services.AddSingleton(timeProvider);
        }

        services.AddOptions<MachaOptions>().Bind(root.GetSection(MachaOptions.SectionName));
        services.AddSingleton<SecretRedactor>();
        services.AddSingleton<CycleEvents>();
        services.AddSingleton<AutonomyEvents>();
        services.AddMachaNotifications(root);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        return new NotifierHarness(provider, root, gotify, data, tokenFile);
    }

    public T Get<T>()
        where T : notnull => Provider.GetRequiredService<T>();

    /// <summary>Every captured log line with its exception and structured values, for checks that a secret never appears.</summary>
    public IReadOnlyList<string> AllLogText() =>
        [.. Logs.GetSnapshot().Select(record =>
            $"{record.Category} {record.Level} {record.Message} {record.Exception} "
            + string.Join(' ', record.StructuredState?.Select(pair => $"{pair.Key}={pair.Value}") ?? []))];

    public async ValueTask DisposeAsync()
    {
        await Provider.DisposeAsync();
        await Gotify.DisposeAsync();
        _data.Dispose();
    }
}
