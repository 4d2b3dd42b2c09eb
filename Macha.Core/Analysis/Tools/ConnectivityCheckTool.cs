using System.Globalization;
using System.Text.Json;
using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Analysis.Tools;

/// <summary>
/// Checks from the analysed host whether a target answers one ping, or accepts a TCP connection
/// when a port is given, in the same way as the network collector.
/// </summary>
internal sealed class ConnectivityCheckTool : IAnalysisTool
{
    // Opens and closes a TCP connection with bash's /dev/tcp, which needs no netcat. The script is a
    // constant; host and port arrive as positional parameters, so they are never parsed as shell text.
    public const string TcpConnectScript = "exec 3<>\"/dev/tcp/$1/$2\"";

    private static readonly JsonElement Schema = ToolSchema.Parse("""
        {
          "type": "object",
          "properties": {
            "target": {
              "type": "string",
              "description": "Host name or IP address to ping, or host:port (IPv6 as [address]:port) to try a TCP connection to.",
              "minLength": 1,
              "maxLength": 261
            }
          },
          "required": ["target"],
          "additionalProperties": false
        }
        """);

    public string Name => "connectivity_check";

    public string Description =>
        "Checks from the affected host whether a host answers one ping (target 'host'), or accepts a TCP "
        + "connection (target 'host:port'). Sends no data. Use it to tell a dead dependency from a local fault.";

    public JsonElement ParameterSchema => Schema;

    public async Task<ToolOutput> InvokeAsync(ToolInvocation invocation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        cancellationToken.ThrowIfCancellationRequested();

        var arguments = ToolArguments.Read(Name, invocation.Arguments, "target");
        var text = arguments.RequiredString("target");
        NetworkTarget? target = null;
        if (text is not null && !NetworkTarget.TryParse(text, out target, out var error))
        {
            arguments.AddError($"Argument 'target' is invalid: {error}. Send a host name, an IP address, or host:port.");
        }

        // Link-local addresses include cloud metadata services (169.254.169.254), which the model
        // has no reason to probe from a managed host.
        if (target is not null && System.Net.IPAddress.TryParse(target.Host.Split('%')[0], out var address) && IsLinkLocal(address))
        {
            arguments.AddError($"Argument 'target' is a link-local address ({target.Host}), which this tool does not check.");
        }

        if (!arguments.IsValid || target is null)
        {
            return arguments.ToInvalidOutput(Name);
        }

        var shell = invocation.Shell;
        var check = target.Port is { } port
            ? await ConnectAsync(shell, target.Host, port, cancellationToken)
            : await PingAsync(shell, target.Host, cancellationToken);

        var verdict = check.Check.Outcome switch
        {
            NetworkCheckOutcome.Succeeded => "reachable",
            NetworkCheckOutcome.Failed => "not reachable",
            _ => "not checked, because the check could not run on this host; this says nothing about the network",
        };
        var detail = check.Check.Detail is null ? string.Empty : ": " + check.Check.Detail;
        var output = ToolOutputBudget.Sanitize($"From host {shell.HostName}, {target} is {verdict}{detail}");

        // A target that does not answer is a valid finding, so only a check that could not run fails.
        return new ToolOutput(check.Check.Outcome != NetworkCheckOutcome.NotPermitted, output, check.OutputBytes);
    }

    private static bool IsLinkLocal(System.Net.IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? address.GetAddressBytes() is [169, 254, _, _]
            : address.IsIPv6LinkLocal;
    }

    private static async Task<CheckResult> PingAsync(IHostShell shell, string host, CancellationToken cancellationToken)
    {
        var request = ToolCommands.Create("ping", "-c", "1", "-W", "2", "--", host);
        var result = await shell.RunAsync(request, cancellationToken);
        var check = PingResultClassifier.Classify(host, result, request.DisplayText);
        return new CheckResult(check, ToolOutputBudget.SizeOf(result));
    }

    private static async Task<CheckResult> ConnectAsync(IHostShell shell, string host, int port, CancellationToken cancellationToken)
    {
        var request = ToolCommands.Create("bash", "-c", TcpConnectScript, "macha-tcp-check", host, port.ToString(CultureInfo.InvariantCulture));
        var result = await shell.RunAsync(request, cancellationToken);
        var target = $"{host}:{port}";
        var bytes = ToolOutputBudget.SizeOf(result);
        if (result.Succeeded)
        {
            return new CheckResult(new NetworkCheck(target, NetworkCheckOutcome.Succeeded, "TCP connection accepted"), bytes);
        }

        if (result.Status is CommandStatus.NotFound or CommandStatus.Failed)
        {
            return new CheckResult(new NetworkCheck(target, NetworkCheckOutcome.NotPermitted, $"the TCP check needs bash: {result.Describe("bash")}"), bytes);
        }

        // bash prints "macha-tcp-check: connect: Connection refused" and similar on standard error.
        var reason = result.StandardError
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault();
        var detail = result.Status == CommandStatus.TimedOut || reason is null
            ? result.Describe($"TCP connect to {target}")
            : "TCP connect failed: " + reason.Replace("macha-tcp-check: ", string.Empty, StringComparison.Ordinal);
        return new CheckResult(new NetworkCheck(target, NetworkCheckOutcome.Failed, detail), bytes);
    }

    private readonly record struct CheckResult(NetworkCheck Check, long OutputBytes);
}
