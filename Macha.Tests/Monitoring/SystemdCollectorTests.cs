using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Collectors;
using Macha.Tests.Fakes;
using Macha.Tests.TestData;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Monitoring;

public sealed class SystemdCollectorTests
{
    private const string ListFailed = "systemctl list-units --failed --all --output=json --no-pager --plain --no-legend";
    private const string IsSystemRunning = "systemctl is-system-running";
    private const string ListTransitioning = "systemctl list-units --all --state=activating,deactivating --output=json --no-pager --plain --no-legend";
    private const string ListServices = "systemctl list-units --type=service --all --output=json --no-pager --plain --no-legend";
    private const string ShowFailure = "systemctl show --property=Id,Result,ExecMainCode,ExecMainStatus,NRestarts,FragmentPath,LoadError,ActiveEnterTimestamp,InactiveEnterTimestamp,InactiveEnterTimestampMonotonic,StateChangeTimestampMonotonic -- ";
    private const string ShowTransition = "systemctl show --property=Id,ActiveState,SubState,StateChangeTimestamp,StateChangeTimestampMonotonic -- ";
    private const string ShowRestarts = "systemctl show --property=Id,NRestarts,Result,ExecMainStatus -- ";
    private const string NotBooted = "System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\n";

    // The host booted at 2026-12-03 10:26:40 UTC, 92000 s before the snapshot.
    private const string Uptime = "92000.00 361234.56\n";

    private const string OneFailedUnitJson =
        """[{"unit":"nginx.service","load":"loaded","active":"failed","sub":"failed","description":"A high performance web server"}]""";

    // systemd 252 prints a service's own properties before the common unit properties.
    private const string NginxFailure =
        "Result=exit-code\n" +
        "NRestarts=5\n" +
        "ExecMainCode=1\n" +
        "ExecMainStatus=1\n" +
        "Id=nginx.service\n" +
        "FragmentPath=/lib/systemd/system/nginx.service\n" +
        "StateChangeTimestampMonotonic=5213117\n" +
        "ActiveEnterTimestamp=\n" +
        "InactiveEnterTimestamp=Thu 2026-12-03 10:26:45 UTC\n" +
        "InactiveEnterTimestampMonotonic=5213117\n" +
        "LoadError=\n";

    private const string ServicesJson =
        """[{"unit":"cron.service","load":"loaded","active":"active","sub":"running","description":"Regular background program processing daemon"},{"unit":"nginx.service","load":"loaded","active":"failed","sub":"failed","description":"A high performance web server"},{"unit":"ssh.service","load":"loaded","active":"active","sub":"running","description":"OpenBSD Secure Shell server"}]""";

    private const string ServicesRestarts =
        "Result=success\nNRestarts=0\nExecMainStatus=0\nId=cron.service\n\n" +
        "Result=exit-code\nNRestarts=5\nExecMainStatus=1\nId=nginx.service\n\n" +
        "Result=success\nNRestarts=2\nExecMainStatus=0\nId=ssh.service\n";

    [Fact]
    public async Task CollectAsync_HealthyHost_ReturnsOkWithEmptyLists()
    {
        var context = CreateContext(HealthyShell());

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Empty(context.Snapshot.Systemd!.FailedUnits);
        Assert.Equal("running", context.Snapshot.Systemd.SystemState);
        Assert.Empty(context.Snapshot.Systemd.TransitioningUnits!);
        Assert.Empty(context.Snapshot.Systemd.ServiceRestarts!);
    }

    [Fact]
    public async Task CollectAsync_JsonWithFailedUnit_FillsSection()
    {
        var shell = HealthyShell()
            .WithCommand(ListFailed, OneFailedUnitJson)
            .WithCommand(IsSystemRunning, "degraded\n", exitCode: 1)
            .WithCommand(ShowFailure + "nginx.service", NginxFailure);
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal("nginx.service", Assert.Single(context.Snapshot.Systemd!.FailedUnits).Name);
        Assert.Equal("degraded", context.Snapshot.Systemd.SystemState);
        Assert.False(context.Snapshot.Systemd.UnitListFromTable);
    }

    [Fact]
    public async Task CollectAsync_FailedService_ReadsFailureDetails()
    {
        var shell = HealthyShell()
            .WithCommand(ListFailed, OneFailedUnitJson)
            .WithCommand(ShowFailure + "nginx.service", NginxFailure);
        var context = CreateContext(shell);

        await new SystemdCollector().CollectAsync(context);

        var details = Assert.Single(context.Snapshot.Systemd!.FailedUnits).Failure;
        Assert.NotNull(details);
        Assert.Equal("exit-code", details.Result);
        Assert.Equal("exited", details.ExecMainCode);
        Assert.Equal(1, details.ExecMainStatus);
        Assert.Equal(5, details.Restarts);
        Assert.Equal("/lib/systemd/system/nginx.service", details.FragmentPath);
        Assert.Null(details.LoadError);
        Assert.Null(details.ActiveEnterTimestamp);
        Assert.Equal("Thu 2026-12-03 10:26:45 UTC", details.InactiveEnterTimestamp);
        Assert.Equal(TimeSpan.FromTicks(52_131_170), details.InactiveEnteredAfterBoot);
    }

    [Fact]
    public async Task CollectAsync_NotFoundUnits_KeepsLoadError()
    {
        // The table of 001-systemctl-failed-text-bullets.txt, input A, with what systemd 252 shows
        // for a mount and a service whose unit files are gone.
        const string details =
            "Result=exit-code\n" +
            "Id=sysroot-usr.mount\n" +
            "FragmentPath=\n" +
            "StateChangeTimestampMonotonic=4183221\n" +
            "ActiveEnterTimestamp=\n" +
            "InactiveEnterTimestamp=Thu 2026-12-03 10:26:44 UTC\n" +
            "InactiveEnterTimestampMonotonic=4183221\n" +
            "LoadError=org.freedesktop.systemd1.NoSuchUnit \"Unit sysroot-usr.mount not found.\"\n" +
            "\n" +
            "Result=exit-code\n" +
            "NRestarts=0\n" +
            "ExecMainCode=1\n" +
            "ExecMainStatus=8\n" +
            "Id=sysroot-usr-fsck.service\n" +
            "FragmentPath=\n" +
            "StateChangeTimestampMonotonic=4102876\n" +
            "ActiveEnterTimestamp=\n" +
            "InactiveEnterTimestamp=Thu 2026-12-03 10:26:44 UTC\n" +
            "InactiveEnterTimestampMonotonic=4102876\n" +
            "LoadError=org.freedesktop.systemd1.NoSuchUnit \"Unit sysroot-usr-fsck.service not found.\"\n";
        var shell = HealthyShell()
            .WithCommand(ListFailed, Cases.Input("001-systemctl-failed-text-bullets.txt", "A"))
            .WithCommand(ShowFailure + "sysroot-usr.mount sysroot-usr-fsck.service", details);
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        var units = context.Snapshot.Systemd!.FailedUnits;
        Assert.All(units, unit => Assert.Equal("not-found", unit.Load));
        Assert.Equal("org.freedesktop.systemd1.NoSuchUnit \"Unit sysroot-usr.mount not found.\"", units[0].Failure!.LoadError);
        Assert.Null(units[0].Failure!.FragmentPath);
        Assert.Null(units[0].Failure!.Restarts);
        Assert.Equal(8, units[1].Failure!.ExecMainStatus);
    }

    [Fact]
    public async Task CollectAsync_EscapedNames_PassedUnchanged()
    {
        const string failedJson =
            """[{"unit":"-.mount","load":"loaded","active":"failed","sub":"failed","description":"Root Mount"},{"unit":"systemd-fsck@dev-disk-by\\x2dlabel-500_boot.service","load":"loaded","active":"failed","sub":"failed","description":"File System Check on /dev/disk/by-label/500_boot"}]""";
        const string details =
            "Result=exit-code\nId=-.mount\nFragmentPath=\nStateChangeTimestampMonotonic=3911020\nActiveEnterTimestamp=\n" +
            "InactiveEnterTimestamp=Thu 2026-12-03 10:26:43 UTC\nInactiveEnterTimestampMonotonic=3911020\nLoadError=\n\n" +
            "Result=exit-code\nNRestarts=0\nExecMainCode=1\nExecMainStatus=4\nId=systemd-fsck@dev-disk-by\\x2dlabel-500_boot.service\n" +
            "FragmentPath=/lib/systemd/system/systemd-fsck@.service\nStateChangeTimestampMonotonic=4002173\nActiveEnterTimestamp=\n" +
            "InactiveEnterTimestamp=Thu 2026-12-03 10:26:44 UTC\nInactiveEnterTimestampMonotonic=4002173\nLoadError=\n";
        const string deviceName = @"dev-disk-by\x2duuid-does\x2dnot\x2dexist.device";
        const string transitioningJson =
            """[{"unit":"dev-disk-by\\x2duuid-does\\x2dnot\\x2dexist.device","load":"loaded","active":"activating","sub":"tentative","description":"/dev/disk/by-uuid/does-not-exist"}]""";
        const string transition =
            "Id=dev-disk-by\\x2duuid-does\\x2dnot\\x2dexist.device\nActiveState=activating\nSubState=tentative\n" +
            "StateChangeTimestamp=Fri 2026-12-04 11:40:00 UTC\nStateChangeTimestampMonotonic=90800000000\n";
        var replay = HealthyShell()
            .WithCommand(ListFailed, failedJson)
            .WithCommand(ShowFailure + @"-.mount systemd-fsck@dev-disk-by\x2dlabel-500_boot.service", details)
            .WithCommand(ListTransitioning, transitioningJson)
            .WithCommand(ShowTransition + deviceName, transition);
        var shell = new RecordingShell(replay);
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal(["-.mount", @"systemd-fsck@dev-disk-by\x2dlabel-500_boot.service"], context.Snapshot.Systemd!.FailedUnits.Select(unit => unit.Name));
        Assert.All(context.Snapshot.Systemd.FailedUnits, unit => Assert.NotNull(unit.Failure));
        Assert.Equal(deviceName, Assert.Single(context.Snapshot.Systemd.TransitioningUnits!).Name);
        var showFailure = shell.Requests.Single(request => request.DisplayText.StartsWith(ShowFailure, StringComparison.Ordinal));
        Assert.Equal(["--", "-.mount", @"systemd-fsck@dev-disk-by\x2dlabel-500_boot.service"], showFailure.Arguments.Skip(2));
    }

    [Fact]
    public async Task CollectAsync_UnitStuckActivating_ComputesTimeInState()
    {
        const string transitioningJson =
            """[{"unit":"postgresql.service","load":"loaded","active":"activating","sub":"start","description":"PostgreSQL RDBMS"}]""";
        const string transition =
            "Id=postgresql.service\nActiveState=activating\nSubState=start\n" +
            "StateChangeTimestamp=Fri 2026-12-04 11:40:00 UTC\nStateChangeTimestampMonotonic=90800000000\n";
        var shell = HealthyShell()
            .WithCommand(ListTransitioning, transitioningJson)
            .WithCommand(ShowTransition + "postgresql.service", transition);
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        var unit = Assert.Single(context.Snapshot.Systemd!.TransitioningUnits!);
        Assert.Equal("activating", unit.Active);
        Assert.Equal("start", unit.Sub);
        Assert.Equal(TimeSpan.FromSeconds(90800), unit.StateChangedAfterBoot);
        Assert.Equal(TimeSpan.FromMinutes(20), unit.InStateFor);
    }

    [Fact]
    public async Task CollectAsync_UnitFinishedBetweenCommands_LeavesItOut()
    {
        const string transitioningJson =
            """[{"unit":"postgresql.service","load":"loaded","active":"activating","sub":"start","description":"PostgreSQL RDBMS"}]""";
        const string transition =
            "Id=postgresql.service\nActiveState=active\nSubState=running\n" +
            "StateChangeTimestamp=Fri 2026-12-04 11:59:59 UTC\nStateChangeTimestampMonotonic=91999000000\n";
        var shell = HealthyShell()
            .WithCommand(ListTransitioning, transitioningJson)
            .WithCommand(ShowTransition + "postgresql.service", transition);
        var context = CreateContext(shell);

        await new SystemdCollector().CollectAsync(context);

        Assert.Empty(context.Snapshot.Systemd!.TransitioningUnits!);
    }

    [Fact]
    public async Task CollectAsync_UptimeUnreadable_UsesUtcTimestamp()
    {
        const string transitioningJson =
            """[{"unit":"nfs-server.service","load":"loaded","active":"deactivating","sub":"stop-sigterm","description":"NFS server and services"}]""";
        const string transition =
            "Id=nfs-server.service\nActiveState=deactivating\nSubState=stop-sigterm\n" +
            "StateChangeTimestamp=Fri 2026-12-04 11:50:00 UTC\nStateChangeTimestampMonotonic=0\n";
        var shell = new ReplayShell()
            .WithCommand(ListFailed, "[]\n")
            .WithCommand(IsSystemRunning, "running\n")
            .WithCommand(ListTransitioning, transitioningJson)
            .WithCommand(ShowTransition + "nfs-server.service", transition)
            .WithCommand(ListServices, "[]\n");
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        var unit = Assert.Single(context.Snapshot.Systemd!.TransitioningUnits!);
        Assert.Equal(TimeSpan.FromMinutes(10), unit.InStateFor);
        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("/proc/uptime", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CollectAsync_StateChangeTimeUnknown_ReturnsPartial()
    {
        const string transitioningJson =
            """[{"unit":"postgresql.service","load":"loaded","active":"activating","sub":"start","description":"PostgreSQL RDBMS"}]""";
        const string transition =
            "Id=postgresql.service\nActiveState=activating\nSubState=start\nStateChangeTimestamp=\nStateChangeTimestampMonotonic=0\n";
        var shell = HealthyShell()
            .WithCommand(ListTransitioning, transitioningJson)
            .WithCommand(ShowTransition + "postgresql.service", transition);
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("how long postgresql.service has been activating is unknown", outcome.Detail, StringComparison.Ordinal);
        Assert.Null(Assert.Single(context.Snapshot.Systemd!.TransitioningUnits!).InStateFor);
    }

    [Fact]
    public async Task CollectAsync_ServicesRestarted_RecordsOnlyNonZeroCounts()
    {
        var shell = HealthyShell()
            .WithCommand(ListServices, ServicesJson)
            .WithCommand(ShowRestarts + "cron.service nginx.service ssh.service", ServicesRestarts);
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal(
            [new ServiceRestarts("nginx.service", 5, "exit-code", 1), new ServiceRestarts("ssh.service", 2, "success", 0)],
            context.Snapshot.Systemd!.ServiceRestarts!);
    }

    [Fact]
    public async Task CollectAsync_ManyServices_QueriesInChunks()
    {
        var names = Enumerable.Range(1, 450).Select(i => $"app{i:000}@worker.service").ToList();
        var json = "[" + string.Join(',', names.Select(name =>
            $$"""{"unit":"{{name}}","load":"loaded","active":"active","sub":"running","description":"Worker"}""")) + "]\n";
        var shell = HealthyShell().WithCommand(ListServices, json);
        foreach (var chunk in names.Chunk(SystemctlShow.MaxUnitsPerCommand))
        {
            var blocks = chunk.Select(name => $"Result=success\nNRestarts={(name == "app321@worker.service" ? 4 : 0)}\nExecMainStatus=0\nId={name}\n");
            shell.WithCommand(ShowRestarts + string.Join(' ', chunk), string.Join('\n', blocks));
        }

        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal(3, shell.CommandsRun.Count(command => command.StartsWith(ShowRestarts, StringComparison.Ordinal)));
        Assert.Equal("app321@worker.service", Assert.Single(context.Snapshot.Systemd!.ServiceRestarts!).Name);
    }

    [Fact]
    public async Task CollectAsync_RestartQueryFails_LeavesCountsNull()
    {
        var shell = HealthyShell()
            .WithCommand(ListServices, ServicesJson)
            .WithCommand(ShowRestarts + "cron.service nginx.service ssh.service", "", exitCode: 1, standardError: "Failed to get properties: Access denied\n");
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("Access denied", outcome.Detail, StringComparison.Ordinal);
        Assert.Null(context.Snapshot.Systemd!.ServiceRestarts);
        Assert.NotNull(context.Snapshot.Systemd.TransitioningUnits);
    }

    [Theory]
    [InlineData("Result=success\nNRestarts=lots\nExecMainStatus=0\nId=cron.service\n\nResult=exit-code\nNRestarts=5\nExecMainStatus=1\nId=nginx.service\n\nResult=success\nNRestarts=2\nExecMainStatus=0\nId=ssh.service\n")]
    [InlineData("Result=success\nNRestarts=0\nExecMainStatus=0\nId=cron.service\n")]
    [InlineData("Eigenschaften konnten nicht gelesen werden.\n")]
    [InlineData("\u0000\u0001\u0002")]
    public async Task CollectAsync_UnreadableRestartCounts_LeavesCountsNull(string output)
    {
        var shell = HealthyShell()
            .WithCommand(ListServices, ServicesJson)
            .WithCommand(ShowRestarts + "cron.service nginx.service ssh.service", output);
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("service restart counts could not be read", outcome.Detail, StringComparison.Ordinal);
        Assert.Null(context.Snapshot.Systemd!.ServiceRestarts);
    }

    [Fact]
    public async Task CollectAsync_UnparsableShowOutput_ReportsFirstBytes()
    {
        var shell = HealthyShell()
            .WithCommand(ListFailed, OneFailedUnitJson)
            .WithCommand(ShowFailure + "nginx.service", "Keine Eigenschaften\n");
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Equal("Keine Eigenschaften\n", outcome.FirstBytes);
        Assert.Null(Assert.Single(context.Snapshot.Systemd!.FailedUnits).Failure);
    }

    [Fact]
    public async Task CollectAsync_InvalidUnitName_NeverPassedToSystemctl()
    {
        const string failedJson =
            """[{"unit":"x;reboot.service","load":"loaded","active":"failed","sub":"failed","description":"odd"}]""";
        var shell = HealthyShell().WithCommand(ListFailed, failedJson);
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("not valid systemd unit names", outcome.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(shell.CommandsRun, command => command.Contains("reboot", StringComparison.Ordinal));
        Assert.Equal("x;reboot.service", Assert.Single(context.Snapshot.Systemd!.FailedUnits).Name);
    }

    [Fact]
    public async Task CollectAsync_FewerBlocksThanUnitsWithIds_MatchesById()
    {
        const string failedJson =
            """[{"unit":"a.service","load":"loaded","active":"failed","sub":"failed","description":"A"},{"unit":"b.service","load":"loaded","active":"failed","sub":"failed","description":"B"}]""";
        var shell = HealthyShell()
            .WithCommand(ListFailed, failedJson)
            .WithCommand(ShowFailure + "a.service b.service", "Result=timeout\nId=b.service\n");
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("none for 'a.service'", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CollectAsync_FailedUnitExitZero_CountsRows()
    {
        var shell = HealthyShell()
            .WithCommand(ListFailed, Cases.Input("001-systemctl-failed-text-bullets.txt", "B"), exitCode: 0)
            .WithCommand(IsSystemRunning, "degraded\n", exitCode: 1);
        var context = CreateContext(shell);

        await new SystemdCollector().CollectAsync(context);

        Assert.Equal("apache2.service", Assert.Single(context.Snapshot.Systemd!.FailedUnits).Name);
        Assert.True(context.Snapshot.Systemd.UnitListFromTable);
    }

    [Fact]
    public async Task CollectAsync_TableWithMarkerColumn_ReadsUnits()
    {
        var shell = HealthyShell()
            .WithCommand(ListFailed, Cases.Input("001-systemctl-failed-text-bullets.txt", "A"))
            .WithCommand(IsSystemRunning, "degraded\n", exitCode: 1);
        var context = CreateContext(shell);

        await new SystemdCollector().CollectAsync(context);

        Assert.Equal(
            ["sysroot-usr.mount", "sysroot-usr-fsck.service"],
            context.Snapshot.Systemd!.FailedUnits.Select(unit => unit.Name));
    }

    [Fact]
    public async Task CollectAsync_OldSystemdTables_ReadsEveryList()
    {
        // systemd before 246 prints tables; with --no-legend and nothing to list it prints nothing.
        const string services =
            "cron.service loaded active running Regular background program processing daemon\n" +
            "ssh.service  loaded active running OpenBSD Secure Shell server\n";
        var shell = HealthyShell()
            .WithCommand(ListTransitioning, "")
            .WithCommand(ListServices, services)
            .WithCommand(ShowRestarts + "cron.service ssh.service", "NRestarts=0\nId=cron.service\n\nNRestarts=3\nId=ssh.service\n");
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Empty(context.Snapshot.Systemd!.TransitioningUnits!);
        Assert.Equal(3, Assert.Single(context.Snapshot.Systemd.ServiceRestarts!).Restarts);
    }

    [Fact]
    public async Task CollectAsync_NotBootedWithSystemd_ReturnsUnavailableWithReason()
    {
        var shell = new ReplayShell().WithCommand(ListFailed, "", exitCode: 1, standardError: NotBooted);
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Unavailable, outcome.State);
        Assert.Contains("System has not been booted with systemd as init system (PID 1)", outcome.Detail, StringComparison.Ordinal);
        Assert.Null(context.Snapshot.Systemd);
        Assert.Single(shell.CommandsRun);
    }

    [Fact]
    public async Task CollectAsync_SystemctlMissing_ReturnsUnavailable()
    {
        var context = CreateContext(new ReplayShell());

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Unavailable, outcome.State);
        Assert.Contains("systemctl", outcome.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[{\"unit\":\"nginx.service\",\"lo")]
    [InlineData("Keine Units gefunden.\n")]
    [InlineData("\u0001\u0002garbage")]
    public async Task CollectAsync_UnparsableOutput_FailsInsteadOfReportingHealthy(string output)
    {
        var shell = HealthyShell().WithCommand(ListFailed, output);
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Failed, outcome.State);
        Assert.NotNull(outcome.FirstBytes);
        Assert.Null(context.Snapshot.Systemd);
    }

    [Theory]
    [InlineData("[{\"unit\":\"postgresql.service\",\"lo")]
    [InlineData("Keine Units gefunden.\n")]
    public async Task CollectAsync_UnparsableTransitioningList_LeavesListNull(string output)
    {
        var shell = HealthyShell().WithCommand(ListTransitioning, output);
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("units stuck activating could not be read", outcome.Detail, StringComparison.Ordinal);
        Assert.NotNull(outcome.FirstBytes);
        Assert.Null(context.Snapshot.Systemd!.TransitioningUnits);
    }

    [Fact]
    public async Task CollectAsync_NonZeroExitWithoutOutput_Fails()
    {
        var shell = new ReplayShell().WithCommand(ListFailed, "", exitCode: 1, standardError: "Access denied\n");
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Failed, outcome.State);
        Assert.Null(context.Snapshot.Systemd);
    }

    [Fact]
    public async Task CollectAsync_ListUnitsTimesOut_ReturnsTimedOut()
    {
        var shell = new ReplayShell().WithCommandResult(
            ListFailed, new CommandResult(CommandStatus.TimedOut, null, "", "", TimeSpan.FromSeconds(10), FailureReason: "killed"));
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.TimedOut, outcome.State);
    }

    [Fact]
    public async Task CollectAsync_UnknownSystemState_ReturnsPartial()
    {
        var shell = HealthyShell().WithCommand(IsSystemRunning, "", exitCode: 1, standardError: "Failed to query system state\n");
        var context = CreateContext(shell);

        var outcome = await new SystemdCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Null(context.Snapshot.Systemd!.SystemState);
    }

    [Fact]
    public async Task CollectAsync_ThisMachine_ReportsRealOutcome()
    {
        var shell = new LocalProcessShell("local", NullLogger<LocalProcessShell>.Instance, TimeProvider.System);
        var context = CreateContext(shell);
        var systemdIsPid1 = File.ReadAllText("/proc/1/comm").Trim() == "systemd";

        var outcome = await new SystemdCollector().CollectAsync(context);

        if (systemdIsPid1)
        {
            Assert.Contains(outcome.State, new[] { CollectorState.Ok, CollectorState.Partial });
            Assert.NotNull(context.Snapshot.Systemd);
        }
        else
        {
            Assert.Equal(CollectorState.Unavailable, outcome.State);
            Assert.Contains("System has not been booted with systemd", outcome.Detail, StringComparison.Ordinal);
            Assert.Null(context.Snapshot.Systemd);
        }
    }

    /// <summary>A host where nothing has failed, nothing is starting or stopping, and no service restarted.</summary>
    private static ReplayShell HealthyShell() => new ReplayShell()
        .WithCommand(ListFailed, "[]\n")
        .WithCommand(IsSystemRunning, "running\n")
        .WithCommand(ListTransitioning, "[]\n")
        .WithCommand(ListServices, """[{"unit":"cron.service","load":"loaded","active":"active","sub":"running","description":"Regular background program processing daemon"}]""" + "\n")
        .WithCommand(ShowRestarts + "cron.service", "Result=success\nNRestarts=0\nExecMainStatus=0\nId=cron.service\n")
        .WithFile("/proc/uptime", Uptime);

    private static CollectionContext CreateContext(IHostShell shell) => new()
    {
        Shell = shell,
        Snapshot = new HostSnapshot { HostName = shell.HostName, TakenAt = new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero) },
        Options = new MonitoringOptions(),
    };

    /// <summary>Passes everything to a replay shell and keeps each request, so a test can check the argv.</summary>
    private sealed class RecordingShell(ReplayShell inner) : IHostShell
    {
        public string HostName => inner.HostName;

        public List<CommandRequest> Requests { get; } = [];

        public Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellationToken = default)
        {
            Requests.Add(request);
            return inner.RunAsync(request, cancellationToken);
        }

        public Task<FileReadResult> ReadFileAsync(string path, int maxBytes, CancellationToken cancellationToken = default) =>
            inner.ReadFileAsync(path, maxBytes, cancellationToken);
    }
}
