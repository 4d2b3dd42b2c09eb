using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class LinkStateParserTests
{
    [Theory]
    [InlineData("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n", new string[0])]
    [InlineData("4: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1400 state UP\n", new[] { "eth0" })]
    [InlineData("5: eth1: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 state DOWN\n", new string[0])]
    [InlineData("7: veth1a2b@if6: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP\n", new[] { "veth1a2b" })]
    [InlineData("9: wg0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420 state UNKNOWN\n", new[] { "wg0" })]
    [InlineData("not ip output\n", new string[0])]
    [InlineData("", new string[0])]
    public void ParseIpLink_Output_ReturnsInterfacesUp(string output, string[] expected)
    {
        var interfaces = LinkStateParser.ParseIpLink(output);

        Assert.Equal(expected, interfaces);
    }

    [Theory]
    [InlineData("up", "0x1003", true)]
    [InlineData("down", "0x1002", false)]
    [InlineData("unknown", "0x9", false)]
    [InlineData("unknown", "0x10d1", true)]
    [InlineData("unknown", "0x1080", false)]
    [InlineData("up", "garbage", false)]
    [InlineData("dormant", "0x1003", false)]
    public void IsUp_OperstateAndFlags_DecidesFromBoth(string operstate, string flags, bool expected)
    {
        var up = LinkStateParser.IsUp(operstate, flags);

        Assert.Equal(expected, up);
    }

    [Fact]
    public void ParseProcNetDev_Content_SkipsHeadersAndInvalidNames()
    {
        const string content = "Inter-|   Receive\n face |bytes\n    lo: 1 2\n  eth0: 1 2\n ../x: 1\n";

        var names = LinkStateParser.ParseProcNetDev(content);

        Assert.Equal(["lo", "eth0"], names);
    }
}
