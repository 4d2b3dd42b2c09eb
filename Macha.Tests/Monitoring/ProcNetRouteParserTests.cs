using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class ProcNetRouteParserTests
{
    private const string Header = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";

    [Theory]
    [InlineData("eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n", new[] { "eth0" })]
    [InlineData("eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n", new string[0])]
    [InlineData("eth0\t00000000\t010200C0\t0002\t0\t0\t0\t00000000\t0\t0\t0\n", new string[0])]
    [InlineData("lo\t00000000\t00000000\t0201\t0\t0\t0\t00000000\t0\t0\t0\n", new string[0])]
    [InlineData("wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\neth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n", new[] { "wlan0", "eth0" })]
    [InlineData("garbage line\n\u0001\u0002\n", new string[0])]
    public void FindIpv4DefaultRoutes_Table_ReturnsUsableDefaults(string rows, string[] expected)
    {
        var interfaces = ProcNetRouteParser.FindIpv4DefaultRoutes(Header + rows);

        Assert.Equal(expected, interfaces);
    }

    [Theory]
    [InlineData("00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0\n", new[] { "eth0" })]
    [InlineData("00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n", new string[0])]
    [InlineData("fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n", new string[0])]
    [InlineData("", new string[0])]
    public void FindIpv6DefaultRoutes_Table_ReturnsUsableDefaults(string content, string[] expected)
    {
        var interfaces = ProcNetRouteParser.FindIpv6DefaultRoutes(content);

        Assert.Equal(expected, interfaces);
    }
}
