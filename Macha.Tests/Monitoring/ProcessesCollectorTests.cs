using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Collectors;
using Macha.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Monitoring;

public sealed class ProcessesCollectorTests
{
    private const string PsCommand = "ps -eo pid=,user:32=,pcpu=,rss=,stat=,comm= --sort=-pcpu";

    // A host whose NFS server is gone: three processes hang on the share in state D, one zombie, and
    // ps itself is listed with the high %CPU of a process that has only just started.
    private const string PsOutput = """
         9120 root                             99.0  3400 R+   ps
         4613 root                             45.5 57192 S<l  dotnet
         4660 postgres                         26.1 193116 Ss  postgres
          812 www-data                         12.0 81608 S    Web Content
          700 root                              8.0 900000 Sl  java
          650 root                              4.0  2000 S    sshd
          640 root                              2.0  3000 S    cron
          901 root                              0.0     0 D    nfsiod
          902 alice                             0.0  5120 D    ls
          903 alice                             0.0  6144 D+   du
         1203 1001                              0.0  1400 Z    sh
        """;

    // Two CPUs; the second sample is 1000 ticks per CPU later.
    private const string ProcStatBefore = "cpu  1000 0 1000 8000 0 0 0 0\ncpu0 500 0 500 4000 0 0 0 0\ncpu1 500 0 500 4000 0 0 0 0\n";
    private const string ProcStatAfter = "cpu  1500 0 1500 9000 0 0 0 0\ncpu0 750 0 750 4500 0 0 0 0\ncpu1 750 0 750 4500 0 0 0 0\n";

    [Fact]
    public async Task CollectAsync_TypicalHost_KeepsTopFiveByCpu()
    {
        var context = CreateContext(new ReplayShell().WithCommand(PsCommand, PsOutput));

        var outcome = await new ProcessesCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Equal([4613, 4660, 812, 700, 650], context.Snapshot.Processes!.TopByCpu.Select(process => process.ProcessId));
    }

    [Fact]
    public async Task CollectAsync_TypicalHost_KeepsTopFiveByMemoryInBytes()
    {
        var context = CreateContext(new ReplayShell().WithCommand(PsCommand, PsOutput));

        await new ProcessesCollector().CollectAsync(context);

        var top = context.Snapshot.Processes!.TopByMemory;
        Assert.Equal([700, 4660, 812, 4613, 903], top.Select(process => process.ProcessId));
        Assert.Equal(900000L * 1024, top[0].ResidentBytes);
    }

    [Fact]
    public async Task CollectAsync_StuckProcesses_CountsStatesDAndZ()
    {
        var context = CreateContext(new ReplayShell().WithCommand(PsCommand, PsOutput));

        await new ProcessesCollector().CollectAsync(context);

        var processes = context.Snapshot.Processes!;
        Assert.Equal(3, processes.UninterruptibleCount);
        Assert.Equal(1, processes.ZombieCount);
        Assert.Equal(["nfsiod", "ls", "du"], processes.Uninterruptible.Select(process => process.Name));
        Assert.Equal(10, processes.ProcessCount);
    }

    [Fact]
    public async Task CollectAsync_PsListsItself_LeavesItOut()
    {
        var context = CreateContext(new ReplayShell().WithCommand(PsCommand, PsOutput));

        await new ProcessesCollector().CollectAsync(context);

        Assert.DoesNotContain(context.Snapshot.Processes!.TopByCpu, process => process.Name == "ps");
    }

    [Fact]
    public async Task CollectAsync_WithoutProcStat_ReturnsPartialNamingRecentCpu()
    {
        var context = CreateContext(new ReplayShell().WithCommand(PsCommand, PsOutput));

        var outcome = await new ProcessesCollector().CollectAsync(context);

        Assert.Contains("recent CPU use is unknown", outcome.Detail, StringComparison.Ordinal);
        Assert.All(context.Snapshot.Processes!.TopByCpu, process => Assert.Null(process.RecentCpuPercent));
    }

    [Fact]
    public async Task CollectAsync_SecondCycle_ComputesRecentCpuFromTicks()
    {
        var first = CreateContext(Sampled(ProcStatBefore, userTicks: 100));
        await new ProcessesCollector().CollectAsync(first);
        var second = CreateContext(Sampled(ProcStatAfter, userTicks: 350), first.Snapshot);

        var outcome = await new ProcessesCollector().CollectAsync(second);

        Assert.Equal(CollectorState.Ok, outcome.State);
        var dotnet = Assert.Single(second.Snapshot.Processes!.TopByCpu, process => process.ProcessId == 4613);
        Assert.Equal(25.0, dotnet.RecentCpuPercent!.Value, precision: 6);
        Assert.Equal(45.5, dotnet.LifetimeCpuPercent);
    }

    [Fact]
    public async Task CollectAsync_FirstCycle_LeavesRecentCpuNull()
    {
        var context = CreateContext(Sampled(ProcStatBefore, userTicks: 100));

        await new ProcessesCollector().CollectAsync(context);

        var dotnet = Assert.Single(context.Snapshot.Processes!.TopByCpu, process => process.ProcessId == 4613);
        Assert.Null(dotnet.RecentCpuPercent);
        Assert.Equal(100 + 20, dotnet.CpuTimeTicks);
    }

    [Fact]
    public async Task CollectAsync_PidReused_LeavesRecentCpuNull()
    {
        var first = CreateContext(Sampled(ProcStatBefore, userTicks: 100));
        await new ProcessesCollector().CollectAsync(first);
        var second = CreateContext(Sampled(ProcStatAfter, userTicks: 350, startTime: 999_999), first.Snapshot);

        await new ProcessesCollector().CollectAsync(second);

        Assert.All(second.Snapshot.Processes!.TopByCpu, process => Assert.Null(process.RecentCpuPercent));
    }

    [Fact]
    public async Task CollectAsync_BusyBoxPs_ReturnsUnavailableWithReason()
    {
        var shell = new ReplayShell().WithCommand(
            PsCommand, "", exitCode: 1, standardError: "ps: invalid option -- 'e'\nBusyBox v1.36.1 (2023-11-07) multi-call binary.\n");
        var context = CreateContext(shell);

        var outcome = await new ProcessesCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Unavailable, outcome.State);
        Assert.Contains("BusyBox ps lacks", outcome.Detail, StringComparison.Ordinal);
        Assert.Contains("invalid option -- 'e'", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CollectAsync_PsMissing_ReturnsUnavailable()
    {
        var context = CreateContext(new ReplayShell());

        var outcome = await new ProcessesCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Unavailable, outcome.State);
        Assert.Null(context.Snapshot.Processes);
    }

    [Fact]
    public async Task CollectAsync_PsFails_ReturnsFailed()
    {
        var shell = new ReplayShell().WithCommand(PsCommand, "", exitCode: 1, standardError: "error: /proc is not mounted\n");
        var context = CreateContext(shell);

        var outcome = await new ProcessesCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Failed, outcome.State);
        Assert.Contains("/proc is not mounted", outcome.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\u0000\u0001\u00ff\ufffd\n")]
    [InlineData("  PID BENUTZER %CPU RSS STAT BEFEHL\n")]
    public async Task CollectAsync_UnparsableOutput_ReturnsFailedWithFirstBytes(string output)
    {
        var context = CreateContext(new ReplayShell().WithCommand(PsCommand, output));

        var outcome = await new ProcessesCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Failed, outcome.State);
        Assert.NotNull(outcome.FirstBytes);
        Assert.Null(context.Snapshot.Processes);
    }

    [Fact]
    public async Task CollectAsync_TruncatedOutput_ReturnsPartialNamingTheCap()
    {
        var result = new CommandResult(CommandStatus.Exited, 0, PsOutput + "\n 1300 ro", "", TimeSpan.FromMilliseconds(1), OutputTruncated: true);
        var context = CreateContext(new ReplayShell().WithCommandResult(PsCommand, result));

        var outcome = await new ProcessesCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("Macha:Monitoring:MaxOutputBytes", outcome.Detail, StringComparison.Ordinal);
        Assert.Contains("' 1300 ro'", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CollectAsync_LocalMachine_FillsProcesses()
    {
        var shell = new LocalProcessShell("local", NullLogger<LocalProcessShell>.Instance, TimeProvider.System);
        var context = CreateContext(shell);

        var outcome = await new ProcessesCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        var processes = context.Snapshot.Processes!;
        Assert.True(processes.ProcessCount > 0);
        Assert.Contains(processes.TopByMemory, process => process.ResidentBytes > 0);
        // A process can exit between the listing and the read of its /proc/PID/stat (other tests
        // start short-lived tools), and then has no CPU ticks; the rest must have them.
        Assert.Contains(processes.TopByCpu, process => process.CpuTimeTicks is not null);
        Assert.NotNull(processes.SystemCpuTicks);
    }

    /// <summary>A shell with ps, /proc/stat and a /proc/PID/stat for each kept process, where 4613 used <paramref name="userTicks"/>.</summary>
    private static ReplayShell Sampled(string procStat, long userTicks, long startTime = 187286)
    {
        var shell = new ReplayShell().WithCommand(PsCommand, PsOutput).WithFile("/proc/stat", procStat);
        foreach (var processId in new[] { 4613, 4660, 812, 700, 650, 903 })
        {
            var user = processId == 4613 ? userTicks : 10;
            shell.WithFile($"/proc/{processId}/stat", $"{processId} (x) S 1 1 1 0 -1 0 0 0 0 0 {user} 20 0 0 20 0 1 0 {startTime} 1000 10 0\n");
        }

        return shell;
    }

    private static CollectionContext CreateContext(IHostShell shell, HostSnapshot? previous = null) => new()
    {
        Shell = shell,
        Snapshot = new HostSnapshot { HostName = shell.HostName, TakenAt = DateTimeOffset.UnixEpoch },
        Previous = previous,
        Options = new MonitoringOptions(),
    };
}
