using System.Net;
using Macha.Web.Security;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Macha.Tests.Security;

/// <summary>
/// X-Forwarded-For from a configured reverse proxy, seen through the sign-in rate limit on a real
/// loopback socket, because the in-memory test server has no peer address to check.
/// </summary>
public sealed class ForwardedHeadersTests
{
    // Documentation addresses (RFC 5737): they only travel inside the header, nothing connects to them.
    private const string FirstClient = "198.51.100.7";
    private const string SecondClient = "198.51.100.8";

    [Fact]
    public async Task SignInLimit_KnownProxy_CountsEachForwardedClient()
    {
        using var factory = StartFactory(knownProxy: "127.0.0.1");
        using var client = CreateClient(factory);

        await FailTwiceAsync(client, FirstClient);
        var firstAgain = await SignInFromAsync(client, FirstClient);
        var second = await SignInFromAsync(client, SecondClient);

        Assert.Equal(HttpStatusCode.TooManyRequests, firstAgain.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        Assert.Contains(factory.Logs.Lines(), line => line.Contains(FirstClient, StringComparison.Ordinal) && line.Contains("exceeded 2 per", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SignInLimit_NoKnownProxy_IgnoresForwardedFor()
    {
        using var factory = StartFactory(knownProxy: null);
        using var client = CreateClient(factory);

        await FailTwiceAsync(client, FirstClient);
        var second = await SignInFromAsync(client, SecondClient);

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.DoesNotContain(factory.Logs.Lines(), line => line.Contains(FirstClient, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SignInLimit_ProxyNetworkWithoutPeer_IgnoresForwardedFor()
    {
        // The peer is 127.0.0.1, outside the configured network, so its header is a client's claim.
        using var factory = StartFactory(knownProxy: "192.0.2.0/24");
        using var client = CreateClient(factory);

        await FailTwiceAsync(client, FirstClient);
        var second = await SignInFromAsync(client, SecondClient);

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
    }

    [Theory]
    [InlineData("192.0.2.10", true)]
    [InlineData("192.0.2.0/24", true)]
    [InlineData("2001:db8::1", true)]
    [InlineData("2001:db8::/32", true)]
    [InlineData("proxy.example", false)]
    [InlineData("192.0.2.0/33", false)]
    [InlineData("", false)]
    public void Validator_KnownProxyEntry_AcceptsAddressesAndNetworks(string entry, bool valid)
    {
        var options = new MachaAuthenticationOptions { KnownProxies = [entry] };

        var result = new MachaAuthenticationOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Macha:Authentication:KnownProxies:0", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Options_KnownProxy_ReplacesLoopbackDefault()
    {
        using var factory = new SecuredWebFactory(new Dictionary<string, string?> { ["Macha:Authentication:KnownProxies:0"] = "192.0.2.10" });

        var forwarded = factory.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>>().Value;

        Assert.Empty(forwarded.KnownProxies);
        var network = Assert.Single(forwarded.KnownIPNetworks);
        Assert.Equal(IPNetwork.Parse("192.0.2.10/32"), network);
    }

    [Fact]
    public void Options_NoKnownProxy_ReadsNoHeader()
    {
        using var factory = new SecuredWebFactory();

        var forwarded = factory.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>>().Value;

        Assert.Equal(Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.None, forwarded.ForwardedHeaders);
    }

    private static SecuredWebFactory StartFactory(string? knownProxy)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
            ["Macha:Authentication:SignInAttemptsPerWindow"] = "2",
            ["Macha:Authentication:SignInWindow"] = "01:00:00",
        };
        if (knownProxy is not null)
        {
            settings["Macha:Authentication:KnownProxies:0"] = knownProxy;
        }

        var factory = new SecuredWebFactory(settings);
        factory.UseKestrel(0);
        factory.StartServer();
        return factory;
    }

    private static HttpClient CreateClient(SecuredWebFactory factory)
    {
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Single(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal));
        var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() };
        return new HttpClient(handler, disposeHandler: true) { BaseAddress = new Uri(address) };
    }

    private static async Task FailTwiceAsync(HttpClient client, string forwardedFor)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var response = await SignInFromAsync(client, forwardedFor, password: "wrong");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    private static async Task<HttpResponseMessage> SignInFromAsync(HttpClient client, string forwardedFor, string password = SecuredWebFactory.Password)
    {
        client.DefaultRequestHeaders.Remove("X-Forwarded-For");
        client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        return await SignInTests.SignInAsync(client, SecuredWebFactory.UserName, password, "/");
    }
}
