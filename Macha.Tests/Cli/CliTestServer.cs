using Macha.Tests.Fakes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Cli;

/// <summary>The whole Macha app on a real loopback socket with a free port, for the CLI to call over HTTP.</summary>
public sealed class CliTestServer : IDisposable
{
    private readonly MachaWebFactory _factory = new();
    private readonly WebApplicationFactory<Program> _server;

    public CliTestServer()
        : this(_ => { })
    {
    }

    /// <param name="configure">Changes settings or services of the app before it starts, such as the Ollama URL.</param>
    internal CliTestServer(Action<MachaWebFactory> configure)
    {
        configure(_factory);
        _server = _factory.WithWebHostBuilder(builder => builder.UseSetting("Kestrel:Endpoints:Http:Url", "http://127.0.0.1:0"));
        _server.UseKestrel();
        _server.StartServer();
        Url = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
    }

    /// <summary>The listening address, such as http://127.0.0.1:41234.</summary>
    public string Url { get; }

    public IServiceProvider Services => _server.Services;

    public void Dispose()
    {
        _server.Dispose();
        _factory.Dispose();
    }
}
