using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Macha.Core.Knowledge;
using Macha.Core.Knowledge.ConfigRepository;
using Macha.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Macha.Tests.Knowledge;

/// <summary>
/// Clones from an HTTP server on 127.0.0.1 that demands basic authentication, to see that the
/// password reaches the server through the askpass helper, and neither the error nor the helper
/// script contains it.
/// </summary>
public sealed class GitCredentialTests : IAsyncLifetime, IDisposable
{
    private const string Secret = "s3cret-token-4711";

    private readonly TestDataDirectory _data = new();
    private readonly ConcurrentQueue<string> _authorizations = new();
    private WebApplication _server = default!;
    private Uri _serverUri = default!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        _server = builder.Build();
        _server.Run(context =>
        {
            if (context.Request.Headers.Authorization is { Count: > 0 } authorization)
            {
                _authorizations.Enqueue(authorization.ToString());
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"configs\"";
            return Task.CompletedTask;
        });
        await _server.StartAsync();
        var address = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _serverUri = new Uri(address);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
    }

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Clone_ServerAsksForCredentials_SendsSecretFromFile()
    {
        var credentials = Path.Combine(_data.Path, "git-token");
        await File.WriteAllTextAsync(credentials, Secret + "\nsecond line is ignored\n");
        var options = new ConfigRepositoryOptions
        {
            Url = new Uri(_serverUri, "configs.git").AbsoluteUri,
            Username = "alice",
            CredentialsFile = credentials,
        };
        var work = Path.Combine(_data.Path, "knowledge");
        var git = new GitRunner(work, options);

        var error = await Assert.ThrowsAsync<ConfigRepositoryException>(() => git.RunAsync(["clone", "--quiet", "--", options.Url, Path.Combine(work, "checkout")]));

        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"alice:{Secret}"));
        Assert.Contains(expected, _authorizations);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, await File.ReadAllTextAsync(Path.Combine(work, "git-askpass.sh")), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PasswordInUrl_IsRejected()
    {
        var options = new KnowledgeOptions { ConfigRepository = { Url = "https://alice:hunter2@git.example.org/configs.git" } };

        var result = new KnowledgeOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Macha:Knowledge:ConfigRepository:Url must not contain a password", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", result.FailureMessage, StringComparison.Ordinal);
    }
}
