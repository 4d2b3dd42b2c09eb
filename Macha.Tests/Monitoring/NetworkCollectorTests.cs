using System.Net;
using System.Net.Sockets;
using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Collectors;
using Macha.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Monitoring;

public sealed class NetworkCollectorTests
{
    private const string IpLink = "ip -o link show up";
    private const string Ping = "ping -c 1 -W 2 127.0.0.1";
    private const string TcpConnect = "bash -c exec 3<>\"/dev/tcp/$1/$2\" macha-tcp-check 127.0.0.1 8080";

    // Recorded on a Debian 12 machine: an IPv4 default route via eth0 and, in the IPv6 table, a
    // default route via eth0 plus the kernel's unreachable ::/0 on lo.
    private const string ProcNetRoute =
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        + "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
        + "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";

    private const string ProcNetIpv6Route =
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0\n"
        + "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n";

    private const string IpLinkOutput =
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
        + "4: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1400 qdisc pfifo_fast state UP mode DEFAULT group default qlen 1000\\    link/ether 02:fc:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n";

    [Fact]
    public async Task CollectAsync_DefaultOptions_RunsNoChecks()
    {
        var shell = BaselineShell();
        var context = CreateContext(shell, new MonitoringOptions());

        var outcome = await new NetworkCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal([IpLink], shell.CommandsRun);
        Assert.Empty(context.Snapshot.Network!.DnsChecks);
        Assert.Empty(context.Snapshot.Network.ReachabilityChecks);
    }

    [Fact]
    public async Task CollectAsync_RouteTables_FindsDefaultRouteInterfaces()
    {
        var context = CreateContext(BaselineShell(), new MonitoringOptions());

        await new NetworkCollector().CollectAsync(context);

        Assert.True(context.Snapshot.Network!.HasDefaultRoute);
        Assert.Equal(["eth0"], context.Snapshot.Network.DefaultRouteInterfaces);
    }

    [Fact]
    public async Task CollectAsync_NoDefaultRoute_ReportsNone()
    {
        var shell = new ReplayShell()
            .WithFile("/proc/net/route", ProcNetRoute.Split('\n')[0] + "\neth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n")
            .WithCommand(IpLink, IpLinkOutput);
        var context = CreateContext(shell, new MonitoringOptions());

        await new NetworkCollector().CollectAsync(context);

        Assert.False(context.Snapshot.Network!.HasDefaultRoute);
    }

    [Fact]
    public async Task CollectAsync_IpLink_ListsInterfacesUpWithoutLoopback()
    {
        var context = CreateContext(BaselineShell(), new MonitoringOptions());

        await new NetworkCollector().CollectAsync(context);

        Assert.Equal(["eth0"], context.Snapshot.Network!.InterfacesUp);
    }

    [Fact]
    public async Task CollectAsync_IpMissing_ReadsSysfs()
    {
        var shell = new ReplayShell()
            .WithFile("/proc/net/route", ProcNetRoute)
            .WithFile("/proc/net/dev", "Inter-|   Receive\n face |bytes\n    lo: 1 2\n  eth0: 1 2\n  ifb0: 0 0\n   wg0: 5 6\n")
            .WithFile("/sys/class/net/lo/operstate", "unknown\n").WithFile("/sys/class/net/lo/flags", "0x9\n")
            .WithFile("/sys/class/net/eth0/operstate", "up\n").WithFile("/sys/class/net/eth0/flags", "0x1003\n")
            .WithFile("/sys/class/net/ifb0/operstate", "down\n").WithFile("/sys/class/net/ifb0/flags", "0x82\n")
            .WithFile("/sys/class/net/wg0/operstate", "unknown\n").WithFile("/sys/class/net/wg0/flags", "0x10d1\n");
        var context = CreateContext(shell, new MonitoringOptions());

        await new NetworkCollector().CollectAsync(context);

        Assert.Equal(["eth0", "wg0"], context.Snapshot.Network!.InterfacesUp);
    }

    [Fact]
    public async Task CollectAsync_NothingReadable_Fails()
    {
        var context = CreateContext(new ReplayShell(), new MonitoringOptions());

        var outcome = await new NetworkCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Failed, outcome.State);
        Assert.Null(context.Snapshot.Network);
    }

    [Fact]
    public async Task CollectAsync_NameResolves_Succeeds()
    {
        var shell = BaselineShell().WithCommand("getent ahosts localhost", "127.0.0.1       STREAM localhost\n127.0.0.1       DGRAM  \n");
        var context = CreateContext(shell, new MonitoringOptions { DnsNames = ["localhost"] });

        await new NetworkCollector().CollectAsync(context);

        var check = Assert.Single(context.Snapshot.Network!.DnsChecks);
        Assert.Equal(NetworkCheckOutcome.Succeeded, check.Outcome);
        Assert.Equal("resolved to 127.0.0.1", check.Detail);
    }

    [Fact]
    public async Task CollectAsync_NameNotFound_Fails()
    {
        var shell = BaselineShell().WithCommand("getent ahosts missing.invalid", "", exitCode: 2);
        var context = CreateContext(shell, new MonitoringOptions { DnsNames = ["missing.invalid"] });

        var outcome = await new NetworkCollector().CollectAsync(context);

        Assert.Equal(NetworkCheckOutcome.Failed, Assert.Single(context.Snapshot.Network!.DnsChecks).Outcome);
        Assert.Equal(CollectorState.Ok, outcome.State);
    }

    [Theory]
    [InlineData("-oProxyCommand=x")]
    [InlineData("local host")]
    [InlineData("localhost;reboot")]
    [InlineData("$(reboot)")]
    [InlineData("localhost\n")]
    [InlineData("")]
    public async Task CollectAsync_InvalidDnsName_RejectsWithoutRunning(string name)
    {
        var shell = BaselineShell();
        var context = CreateContext(shell, new MonitoringOptions { DnsNames = [name] });

        var outcome = await new NetworkCollector().CollectAsync(context);

        Assert.Equal(NetworkCheckOutcome.NotPermitted, Assert.Single(context.Snapshot.Network!.DnsChecks).Outcome);
        Assert.DoesNotContain(shell.CommandsRun, command => command.StartsWith("getent", StringComparison.Ordinal));
        Assert.Equal(CollectorState.Partial, outcome.State);
    }

    [Theory]
    [InlineData("-c 1000 127.0.0.1")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:70000")]
    [InlineData("127.0.0.1:ssh")]
    [InlineData("[::1")]
    [InlineData("host|cat")]
    public async Task CollectAsync_InvalidTarget_RejectsWithoutRunning(string target)
    {
        var shell = BaselineShell();
        var context = CreateContext(shell, new MonitoringOptions { ReachabilityTargets = [target] });

        await new NetworkCollector().CollectAsync(context);

        Assert.Equal(NetworkCheckOutcome.NotPermitted, Assert.Single(context.Snapshot.Network!.ReachabilityChecks).Outcome);
        Assert.Equal([IpLink], shell.CommandsRun);
    }

    [Fact]
    public async Task CollectAsync_PingAnswers_Succeeds()
    {
        var shell = BaselineShell().WithCommand(Ping, "1 packets transmitted, 1 received, 0% packet loss, time 0ms\n");
        var context = CreateContext(shell, new MonitoringOptions { ReachabilityTargets = ["127.0.0.1"] });

        await new NetworkCollector().CollectAsync(context);

        Assert.Equal(NetworkCheckOutcome.Succeeded, Assert.Single(context.Snapshot.Network!.ReachabilityChecks).Outcome);
    }

    [Fact]
    public async Task CollectAsync_PingNotPermitted_ReportsNotPermittedAsPartial()
    {
        var shell = BaselineShell().WithCommand(Ping, "", exitCode: 2, standardError: "ping: socket: Operation not permitted\n");
        var context = CreateContext(shell, new MonitoringOptions { ReachabilityTargets = ["127.0.0.1"] });

        var outcome = await new NetworkCollector().CollectAsync(context);

        Assert.Equal(NetworkCheckOutcome.NotPermitted, Assert.Single(context.Snapshot.Network!.ReachabilityChecks).Outcome);
        Assert.Equal(CollectorState.Partial, outcome.State);
    }

    [Fact]
    public async Task CollectAsync_PingNoReply_Fails()
    {
        var shell = BaselineShell().WithCommand(
            Ping, "1 packets transmitted, 0 received, 100% packet loss, time 0ms\n", exitCode: 1);
        var context = CreateContext(shell, new MonitoringOptions { ReachabilityTargets = ["127.0.0.1"] });

        await new NetworkCollector().CollectAsync(context);

        var check = Assert.Single(context.Snapshot.Network!.ReachabilityChecks);
        Assert.Equal(NetworkCheckOutcome.Failed, check.Outcome);
        Assert.Contains("100% packet loss", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CollectAsync_TargetWithPort_ConnectsOverTcp()
    {
        var shell = BaselineShell().WithCommand(TcpConnect, "");
        var context = CreateContext(shell, new MonitoringOptions { ReachabilityTargets = ["127.0.0.1:8080"] });

        await new NetworkCollector().CollectAsync(context);

        Assert.Equal(NetworkCheckOutcome.Succeeded, Assert.Single(context.Snapshot.Network!.ReachabilityChecks).Outcome);
        Assert.Contains(TcpConnect, shell.CommandsRun);
    }

    [Fact]
    public async Task CollectAsync_TcpRefused_Fails()
    {
        var shell = BaselineShell().WithCommand(
            TcpConnect,
            "",
            exitCode: 1,
            standardError: "macha-tcp-check: connect: Connection refused\nmacha-tcp-check: line 1: /dev/tcp/127.0.0.1/8080: Connection refused\n");
        var context = CreateContext(shell, new MonitoringOptions { ReachabilityTargets = ["127.0.0.1:8080"] });

        await new NetworkCollector().CollectAsync(context);

        var check = Assert.Single(context.Snapshot.Network!.ReachabilityChecks);
        Assert.Equal(NetworkCheckOutcome.Failed, check.Outcome);
        Assert.Equal("TCP connect failed: connect: Connection refused", check.Detail);
    }

    [Fact]
    public async Task CollectAsync_ThisMachine_FillsNetworkSection()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var shell = new LocalProcessShell("local", NullLogger<LocalProcessShell>.Instance, TimeProvider.System);
        var options = new MonitoringOptions
        {
            DnsNames = ["localhost"],
            ReachabilityTargets = ["127.0.0.1", $"127.0.0.1:{port}"],
        };
        var context = CreateContext(shell, options);

        var outcome = await new NetworkCollector().CollectAsync(context);

        Assert.Contains(outcome.State, new[] { CollectorState.Ok, CollectorState.Partial });
        var network = context.Snapshot.Network;
        Assert.NotNull(network);
        Assert.NotNull(network.DefaultRouteInterfaces);
        Assert.Equal(NetworkCheckOutcome.Succeeded, Assert.Single(network.DnsChecks).Outcome);
        Assert.Contains(network.ReachabilityChecks[0].Outcome, new[] { NetworkCheckOutcome.Succeeded, NetworkCheckOutcome.NotPermitted });
        Assert.Equal(NetworkCheckOutcome.Succeeded, network.ReachabilityChecks[1].Outcome);
    }

    private static ReplayShell BaselineShell() => new ReplayShell()
        .WithFile("/proc/net/route", ProcNetRoute)
        .WithFile("/proc/net/ipv6_route", ProcNetIpv6Route)
        .WithCommand(IpLink, IpLinkOutput);

    private static CollectionContext CreateContext(IHostShell shell, MonitoringOptions options) => new()
    {
        Shell = shell,
        Snapshot = new HostSnapshot { HostName = shell.HostName, TakenAt = new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero) },
        Options = options,
    };
}
