using System.Globalization;
using Macha.Core.Hosts;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Monitoring.Collectors;

/// <summary>
/// Reads default routes and interfaces that are up, resolves the configured names, and checks that
/// the configured targets reply to ping or accept a TCP connection.
/// </summary>
/// <remarks>
/// Both lists are empty by default, so a fresh install sends no traffic anywhere. A check that
/// cannot run on the host (ping without an ICMP socket, a tool missing, an invalid configured
/// value) is reported as <see cref="NetworkCheckOutcome.NotPermitted"/>, never as the network
/// being down.
/// </remarks>
internal sealed class NetworkCollector : ICollector
{
    private const int MaxRouteTableBytes = 1024 * 1024;
    private const int MaxSmallFileBytes = 4096;

    // Opens a TCP connection with bash's /dev/tcp, which needs no netcat on the host. The script is
    // a constant; host and port arrive as its positional parameters, so they are never parsed as
    // shell text.
    private const string TcpConnectScript = "exec 3<>\"/dev/tcp/$1/$2\"";

    public string Name => "network";

    public IReadOnlyList<FileReadRequest> FilesRead { get; } = [new("/proc/net/route", MaxRouteTableBytes), new("/proc/net/ipv6_route", MaxRouteTableBytes)];

    public async Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);

        var problems = new List<string>();

        var defaultRoutes = await ReadDefaultRoutesAsync(context, problems, cancellationToken);
        var interfacesUp = await ReadInterfacesUpAsync(context, problems, cancellationToken);

        var dnsChecks = new List<NetworkCheck>();
        foreach (var name in context.Options.DnsNames)
        {
            dnsChecks.Add(await ResolveAsync(context, name, cancellationToken));
        }

        var reachabilityChecks = new List<NetworkCheck>();
        foreach (var target in context.Options.ReachabilityTargets)
        {
            reachabilityChecks.Add(await CheckReachabilityAsync(context, target, cancellationToken));
        }

        var notRun = dnsChecks.Concat(reachabilityChecks).Where(check => check.Outcome == NetworkCheckOutcome.NotPermitted);
        problems.AddRange(notRun.Select(check => $"{check.Target} not checked: {check.Detail}"));

        if (defaultRoutes is null && interfacesUp is null)
        {
            return CollectorOutcome.Failed("could not read routes or interfaces: " + string.Join("; ", problems));
        }

        context.Snapshot.Network = new NetworkSection(
            HasDefaultRoute: defaultRoutes is { Count: > 0 },
            InterfacesUp: interfacesUp ?? [],
            DnsChecks: dnsChecks,
            ReachabilityChecks: reachabilityChecks,
            DefaultRouteInterfaces: defaultRoutes);

        return problems.Count == 0 ? CollectorOutcome.Ok() : CollectorOutcome.Partial(string.Join("; ", problems));
    }

    private static async Task<IReadOnlyList<string>?> ReadDefaultRoutesAsync(
        CollectionContext context, List<string> problems, CancellationToken cancellationToken)
    {
        var ipv4 = await context.ReadFileAsync("/proc/net/route", MaxRouteTableBytes, cancellationToken);
        var ipv6 = await context.ReadFileAsync("/proc/net/ipv6_route", MaxRouteTableBytes, cancellationToken);
        if (!ipv4.Exists)
        {
            problems.Add($"/proc/net/route unreadable: {ipv4.Error}");
        }

        // A kernel without IPv6 has no /proc/net/ipv6_route; that is not a problem of the host.
        if (!ipv4.Exists && !ipv6.Exists)
        {
            return null;
        }

        var interfaces = new List<string>();
        if (ipv4.Exists)
        {
            interfaces.AddRange(ProcNetRouteParser.FindIpv4DefaultRoutes(ipv4.Content));
        }

        if (ipv6.Exists)
        {
            interfaces.AddRange(ProcNetRouteParser.FindIpv6DefaultRoutes(ipv6.Content));
        }

        return interfaces.Distinct(StringComparer.Ordinal).ToList();
    }

    private static async Task<IReadOnlyList<string>?> ReadInterfacesUpAsync(
        CollectionContext context, List<string> problems, CancellationToken cancellationToken)
    {
        var request = context.Command("ip", "-o", "link", "show", "up");
        var result = await context.Shell.RunAsync(request, cancellationToken);
        if (result.Succeeded)
        {
            return LinkStateParser.ParseIpLink(result.StandardOutput);
        }

        // Without iproute2, read the interface list and each interface's state from the kernel.
        var devices = await context.ReadFileAsync("/proc/net/dev", MaxRouteTableBytes, cancellationToken);
        if (!devices.Exists)
        {
            problems.Add($"interfaces unknown: {result.Describe(request.DisplayText)}, and /proc/net/dev unreadable: {devices.Error}");
            return null;
        }

        var interfacesUp = new List<string>();
        var names = LinkStateParser.ParseProcNetDev(devices.Content).ToList();
        var files = names
            .SelectMany(name => new FileReadRequest[] { new($"/sys/class/net/{name}/operstate", MaxSmallFileBytes), new($"/sys/class/net/{name}/flags", MaxSmallFileBytes) })
            .ToList();
        var reads = await context.ReadFilesAsync(files, cancellationToken);
        for (var i = 0; i < names.Count; i++)
        {
            var operstate = reads[2 * i];
            var flags = reads[(2 * i) + 1];
            if (operstate.Exists && flags.Exists && LinkStateParser.IsUp(operstate.Content, flags.Content))
            {
                interfacesUp.Add(names[i]);
            }
        }

        return interfacesUp;
    }

    private static async Task<NetworkCheck> ResolveAsync(CollectionContext context, string name, CancellationToken cancellationToken)
    {
        if (!NetworkTarget.IsValidHost(name))
        {
            return Rejected(name, $"'{CollectorStatus.Excerpt(name)}' is not a valid host name; fix Macha:Monitoring:DnsNames");
        }

        var request = context.Command("getent", "ahosts", name);
        var result = await context.Shell.RunAsync(request, cancellationToken);
        if (result.Succeeded)
        {
            return new NetworkCheck(name, NetworkCheckOutcome.Succeeded, "resolved to " + string.Join(", ", ReadAddresses(result.StandardOutput)));
        }

        return result.Status switch
        {
            CommandStatus.NotFound or CommandStatus.Failed =>
                new NetworkCheck(name, NetworkCheckOutcome.NotPermitted, result.Describe(request.DisplayText)),

            // getent(1): exit status 2 means the key was not found.
            CommandStatus.Exited when result.ExitCode == 2 =>
                new NetworkCheck(name, NetworkCheckOutcome.Failed, $"{name} did not resolve (getent found no address)"),
            _ => new NetworkCheck(name, NetworkCheckOutcome.Failed, result.Describe(request.DisplayText)),
        };
    }

    private static async Task<NetworkCheck> CheckReachabilityAsync(CollectionContext context, string text, CancellationToken cancellationToken)
    {
        if (!NetworkTarget.TryParse(text, out var target, out var error))
        {
            return Rejected(text, $"{error}; fix Macha:Monitoring:ReachabilityTargets");
        }

        if (target!.Port is { } port)
        {
            var connect = context.Command(
                "bash", "-c", TcpConnectScript, "macha-tcp-check", target.Host, port.ToString(CultureInfo.InvariantCulture));
            var connectResult = await context.Shell.RunAsync(connect, cancellationToken);
            return ClassifyTcpConnect(text, connectResult);
        }

        var ping = context.Command("ping", "-c", "1", "-W", "2", target.Host);
        var pingResult = await context.Shell.RunAsync(ping, cancellationToken);
        return PingResultClassifier.Classify(text, pingResult, ping.DisplayText);
    }

    private static NetworkCheck ClassifyTcpConnect(string target, CommandResult result)
    {
        if (result.Succeeded)
        {
            return new NetworkCheck(target, NetworkCheckOutcome.Succeeded, "TCP connection accepted");
        }

        if (result.Status is CommandStatus.NotFound or CommandStatus.Failed)
        {
            return new NetworkCheck(target, NetworkCheckOutcome.NotPermitted, $"TCP check needs bash: {result.Describe("bash")}");
        }

        // bash prints "macha-tcp-check: connect: Connection refused" and similar on standard error.
        var reason = result.StandardError
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault();
        var detail = result.Status == CommandStatus.TimedOut || reason is null
            ? result.Describe($"TCP connect to {target}")
            : "TCP connect failed: " + CollectorStatus.Excerpt(reason.Replace("macha-tcp-check: ", string.Empty, StringComparison.Ordinal));
        return new NetworkCheck(target, NetworkCheckOutcome.Failed, detail);
    }

    private static NetworkCheck Rejected(string target, string reason) =>
        new(CollectorStatus.Excerpt(target), NetworkCheckOutcome.NotPermitted, "rejected: " + reason);

    /// <summary>Returns the distinct addresses in getent ahosts output: "ADDRESS  STREAM name" lines.</summary>
    private static IEnumerable<string> ReadAddresses(string output) =>
        output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[0])
            .Distinct(StringComparer.Ordinal)
            .Take(5);
}
