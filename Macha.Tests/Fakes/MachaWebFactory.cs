using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Fakes;

/// <summary>
/// The whole Macha web app on a temporary data directory. It monitors the machine the tests run on,
/// as the README's run command does, with a check interval long enough that only the start-up cycle
/// and the cycles a test requests run.
/// </summary>
public sealed class MachaWebFactory : WebApplicationFactory<Program>
{
    private readonly TestDataDirectory _data = new();
    private readonly List<Action<IServiceCollection>> _serviceChanges = [];

    public string DataDirectory => _data.Path;

    /// <summary>Extra settings, such as Macha:Knowledge:ChromaUrl; set them before the first request.</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    /// <summary>Sets a configuration key, such as <c>Macha:Analysis:Enabled</c>; call before the first request.</summary>
    public MachaWebFactory WithSetting(string key, string? value)
    {
        Settings[key] = value;
        return this;
    }

    /// <summary>Changes the app's services after Macha registered its own; call before the first request.</summary>
    public MachaWebFactory WithServices(Action<IServiceCollection> change)
    {
        _serviceChanges.Add(change);
        return this;
    }

    /// <summary>
    /// Serves the app with Kestrel on 127.0.0.1 and a free port, for a real browser, and returns its
    /// base address.
    /// </summary>
    /// <param name="port">The port to listen on; 0 lets the system choose one.</param>
    public Uri StartOnLoopback(int port = 0)
    {
        // The configured endpoint wins over UseKestrel's port, so it keeps the server on loopback only.
        WithSetting("Kestrel:Endpoints:Http:Url", $"http://127.0.0.1:{port}");
        UseKestrel(port);
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.Single(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Macha:DataDirectory", _data.Path);
        builder.UseSetting("Macha:CheckInterval", "01:00:00");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            foreach (var change in _serviceChanges)
            {
                change(services);
            }
        });
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
