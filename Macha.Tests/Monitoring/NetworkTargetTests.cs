using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class NetworkTargetTests
{
    [Theory]
    [InlineData("localhost", "localhost", null)]
    [InlineData("127.0.0.1", "127.0.0.1", null)]
    [InlineData("127.0.0.1:22", "127.0.0.1", 22)]
    [InlineData("::1", "::1", null)]
    [InlineData("[::1]", "::1", null)]
    [InlineData("[::1]:8080", "::1", 8080)]
    [InlineData("fe80::1%eth0", "fe80::1%eth0", null)]
    [InlineData("my_host.example.internal:65535", "my_host.example.internal", 65535)]
    public void TryParse_ValidTarget_ReturnsHostAndPort(string text, string host, int? port)
    {
        var parsed = NetworkTarget.TryParse(text, out var target, out var error);

        Assert.True(parsed, error);
        Assert.Equal(host, target!.Host);
        Assert.Equal(port, target.Port);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-oProxyCommand")]
    [InlineData("-c")]
    [InlineData("local host")]
    [InlineData("localhost\t")]
    [InlineData("localhost\n")]
    [InlineData("a;b")]
    [InlineData("a|b")]
    [InlineData("`id`")]
    [InlineData("$(id)")]
    [InlineData("host:")]
    [InlineData("host:0")]
    [InlineData("host:65536")]
    [InlineData("host:-1")]
    [InlineData("[::1")]
    [InlineData("[::1]x")]
    [InlineData("[-x]:22")]
    [InlineData("ünïcode.example")]
    public void TryParse_InvalidTarget_ReturnsError(string text)
    {
        var parsed = NetworkTarget.TryParse(text, out var target, out var error);

        Assert.False(parsed);
        Assert.Null(target);
        Assert.NotNull(error);
    }

    [Fact]
    public void TryParse_TooLongName_ReturnsError()
    {
        var parsed = NetworkTarget.TryParse(new string('a', 254), out _, out _);

        Assert.False(parsed);
    }
}
