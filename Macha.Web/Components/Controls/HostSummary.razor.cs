using System.Globalization;
using Macha.Core.Monitoring;
using Macha.Core.Storage;
using Microsoft.AspNetCore.Components;

namespace Macha.Web.Components.Controls;

public sealed partial class HostSummary
{
    [Parameter, EditorRequired]
    public HostSnapshot Snapshot { get; set; } = default!;

    [Parameter, EditorRequired]
    public IReadOnlyList<FindingRecord> Findings { get; set; } = [];

    /// <summary>The time ages are measured from, so the whole page agrees on "now".</summary>
    [Parameter, EditorRequired]
    public DateTimeOffset Now { get; set; }

    private string? CpuDetail() => Snapshot.Cpu switch
    {
        null => null,
        { UsagePercent: null } cpu => $"{cpu.LogicalCpuCount} CPUs; usage shows from the second cycle",
        { IoWaitPercent: { } ioWait } cpu => string.Create(CultureInfo.InvariantCulture, $"{cpu.LogicalCpuCount} CPUs, {ioWait:0.#}% I/O wait"),
        var cpu => $"{cpu.LogicalCpuCount} CPUs",
    };

    private string? MemoryDetail() => Snapshot.Memory is { } memory
        ? $"{Formatting.Bytes(memory.AvailableBytes)} available of {Formatting.Bytes(memory.TotalBytes)}"
        : null;

    private string SwapValue() => Snapshot.Memory switch
    {
        null => "n/a",
        { SwapTotalBytes: 0 } => "none",
        var memory => Formatting.Percent(memory.SwapUsedPercent),
    };

    private string LoadValue() => Snapshot.Load is { } load
        ? string.Create(CultureInfo.InvariantCulture, $"{load.Load1:0.00}  {load.Load5:0.00}  {load.Load15:0.00}")
        : "n/a";

    private string? LoadDetail() => Snapshot.Load is { } load
        ? string.Create(CultureInfo.InvariantCulture, $"{load.Load5PerCore:0.00} per core over 5 min")
        : null;

    private string NetworkValue() => Snapshot.Network switch
    {
        null => "n/a",
        { HasDefaultRoute: false } => "no default route",
        var network when network.DnsChecks.Concat(network.ReachabilityChecks).Any(c => c.Outcome == NetworkCheckOutcome.Failed) => "problems",
        _ => "ok",
    };

    private string? NetworkDetail()
    {
        if (Snapshot.Network is not { } network)
        {
            return MissingDetail("network");
        }

        var interfaces = network.InterfacesUp.Count == 1 ? "1 interface up" : $"{network.InterfacesUp.Count} interfaces up";
        var checks = network.DnsChecks.Count + network.ReachabilityChecks.Count;
        return checks == 1 ? $"{interfaces}, 1 check" : $"{interfaces}, {checks} checks";
    }

    private static string? FailureText(UnitFailureDetails? failure) => failure switch
    {
        null => null,
        { Result: { } result, ExecMainStatus: { } status } => $"{result} (status {status})",
        { Result: { } result } => result,
        _ => failure.LoadError,
    };

    /// <summary>Says why a section is empty, from its collector's status, so "n/a" never looks like health.</summary>
    private string MissingDetail(string collectorName) => Snapshot.StatusOf(collectorName) switch
    {
        null => "not collected",
        { State: CollectorState.Unavailable } => "unavailable on this host",
        { State: CollectorState.NotApplicable } => "not applicable to this distribution",
        { State: CollectorState.TimedOut } => "timed out; see Collectors",
        { State: CollectorState.Failed } => "failed; see Collectors",
        _ => "no data",
    };
}
