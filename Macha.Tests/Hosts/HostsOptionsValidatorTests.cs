using Macha.Core.Configuration;
using Macha.Core.Hosts;
using Microsoft.Extensions.Options;

namespace Macha.Tests.Hosts;

public sealed class HostsOptionsValidatorTests
{
    private static ValidateOptionsResult Validate(RemoteHostOptions host, string localName = "controller")
    {
        var options = new HostsOptions { DefaultPrivateKeyFile = "/var/lib/macha/id_ed25519", Remote = [host] };
        var validator = new HostsOptionsValidator(Options.Create(new MachaOptions { LocalHostName = localName }));
        return validator.Validate(null, options);
    }

    [Fact]
    public void Validate_PlainRemoteHost_Succeeds()
    {
        var result = Validate(new RemoteHostOptions { Name = "web-1", Address = "192.0.2.10", User = "macha" });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("controller")]
    [InlineData("CONTROLLER")]
    public void Validate_LocalHostName_NamesBothKeys(string name)
    {
        var result = Validate(new RemoteHostOptions { Name = name, Address = "192.0.2.10" });

        Assert.True(result.Failed);
        Assert.Contains("Macha:Hosts:Remote:0:Name", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Macha:LocalHostName", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("web-1\n", "192.0.2.10", "macha")]
    [InlineData("web-1", "192.0.2.10\n", "macha")]
    [InlineData("web-1", "192.0.2.10", "macha\n")]
    [InlineData("web-1", "0.0.0.0", "macha")]
    [InlineData("web-1", "::", "macha")]
    [InlineData("web-1", "224.0.0.1", "macha")]
    [InlineData("web-1", "ff02::1", "macha")]
    public void Validate_TrailingNewlineOrNoSingleHost_Fails(string name, string address, string user)
    {
        var result = Validate(new RemoteHostOptions { Name = name, Address = address, User = user });

        Assert.True(result.Failed);
    }
}
