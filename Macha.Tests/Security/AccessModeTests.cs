using Macha.Web.Security;
using Microsoft.Extensions.Configuration;

namespace Macha.Tests.Security;

/// <summary>Which listen addresses count as loopback, and when Macha refuses to start open.</summary>
public sealed class AccessModeTests
{
    [Theory]
    [InlineData("http://0.0.0.0:5380")]
    [InlineData("http://[::]:5380")]
    [InlineData("http://192.168.1.20:5380")]
    [InlineData("http://[fe80::1]:5380")]
    [InlineData("https://macha.lan:5381")]
    [InlineData("http://foo.localhost:5380")]
    [InlineData("http://*:5380")]
    [InlineData("http://+:5380")]
    [InlineData("http://[::ffff:192.168.1.20]:5380")]
    public void Decide_NetworkAddressWithoutCredentials_Throws(string url)
    {
        var configuration = Configuration(("Kestrel:Endpoints:Http:Url", url));

        var error = Assert.Throws<AccessNotConfiguredException>(() => AccessMode.Decide(configuration));

        Assert.Contains(url, error.Message, StringComparison.Ordinal);
        Assert.Contains("Kestrel:Endpoints:Http:Url", error.Message, StringComparison.Ordinal);
        Assert.Contains("Macha:Authentication:UsersFile", error.Message, StringComparison.Ordinal);
        Assert.Contains("Macha:Authentication:TokensFile", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5380")]
    [InlineData("http://127.0.0.53:5380")]
    [InlineData("http://[::1]:5380")]
    [InlineData("http://localhost:5380")]
    [InlineData("http://LOCALHOST:5380")]
    [InlineData("http://[::ffff:127.0.0.1]:5380")]
    [InlineData("http://unix:/run/macha/macha.sock")]
    public void Decide_LoopbackWithoutCredentials_IsOpen(string url)
    {
        var configuration = Configuration(("Kestrel:Endpoints:Http:Url", url));

        var access = AccessMode.Decide(configuration);

        Assert.True(access.IsOpen);
        Assert.Equal([url], access.Addresses);
    }

    [Fact]
    public void Decide_OneOfTwoEndpointsExposed_Throws()
    {
        var configuration = Configuration(
            ("Kestrel:Endpoints:Local:Url", "http://127.0.0.1:5380"),
            ("Kestrel:Endpoints:Lan:Url", "http://10.0.0.5:5380"));

        var error = Assert.Throws<AccessNotConfiguredException>(() => AccessMode.Decide(configuration));

        Assert.Contains("http://10.0.0.5:5380 (from Kestrel:Endpoints:Lan:Url)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("urls", "http://127.0.0.1:5000;http://0.0.0.0:5001", "http://0.0.0.0:5001")]
    [InlineData("http_ports", "8080", "http://*:8080")]
    [InlineData("https_ports", "8443", "https://*:8443")]
    public void Decide_HostingUrlsExposed_Throws(string key, string value, string exposed)
    {
        var configuration = Configuration((key, value));

        var error = Assert.Throws<AccessNotConfiguredException>(() => AccessMode.Decide(configuration));

        Assert.Contains(exposed, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_KestrelEndpointsSet_IgnoresHostingUrlsAsKestrelDoes()
    {
        var configuration = Configuration(("Kestrel:Endpoints:Http:Url", "http://127.0.0.1:5380"), ("http_ports", "8080"));

        var access = AccessMode.Decide(configuration);

        Assert.True(access.IsOpen);
    }

    [Fact]
    public void Decide_PreferHostingUrls_ChecksBothLists()
    {
        var configuration = Configuration(
            ("Kestrel:Endpoints:Http:Url", "http://127.0.0.1:5380"), ("urls", "http://0.0.0.0:80"), ("preferHostingUrls", "true"));

        Assert.Throws<AccessNotConfiguredException>(() => AccessMode.Decide(configuration));
    }

    [Fact]
    public void Decide_NothingConfigured_IsOpenOnKestrelDefault()
    {
        var access = AccessMode.Decide(Configuration());

        Assert.True(access.IsOpen);
        Assert.Equal(["http://localhost:5000"], access.Addresses);
    }

    [Theory]
    [InlineData("Macha:Authentication:UsersFile")]
    [InlineData("Macha:Authentication:TokensFile")]
    public void Decide_NetworkAddressWithCredentials_RequiresSignIn(string key)
    {
        var configuration = Configuration(("Kestrel:Endpoints:Http:Url", "http://0.0.0.0:5380"), (key, "$CREDENTIALS_DIRECTORY/file"));

        var access = AccessMode.Decide(configuration);

        Assert.False(access.IsOpen);
    }

    [Fact]
    public void Decide_LoopbackWithCredentials_RequiresSignIn()
    {
        var configuration = Configuration(("Kestrel:Endpoints:Http:Url", "http://127.0.0.1:5380"), ("Macha:Authentication:TokensFile", "/etc/macha/tokens"));

        Assert.False(AccessMode.Decide(configuration).IsOpen);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(setting => new KeyValuePair<string, string?>(setting.Key, setting.Value)))
            .Build();
}
