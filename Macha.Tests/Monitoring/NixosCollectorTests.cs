using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Collectors;
using Macha.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using static Macha.Tests.Monitoring.NixosRecordings;

namespace Macha.Tests.Monitoring;

public sealed class NixosCollectorTests
{
    [Fact]
    public async Task CollectAsync_HealthyHost_FillsSection()
    {
        var context = CreateContext(Healthy());

        var outcome = await new NixosCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        var nixos = context.Snapshot.Nixos;
        Assert.NotNull(nixos);
        Assert.Equal(new NixosVersion("24.11.719113.50ab793786d9 (Vicuna)", "50ab793786d9de88ee30ec4e4c24fb4236fc2674", null), nixos.Version);
        Assert.Equal(new NixosGenerations(142, DateTimeOffset.FromUnixTimeSeconds(Generation142BuiltAt), 12, 131), nixos.Generations);
        Assert.False(nixos.SystemLinks!.Switched);
        Assert.Equal(["kernel", "initrd", "kernel-modules"], nixos.SystemLinks.BootComponents.Select(component => component.Name));
        Assert.Empty(nixos.SystemLinks.ChangedComponents);
    }

    [Fact]
    public async Task CollectAsync_HealthyHost_ReadsStoreFilesystem()
    {
        var context = CreateContext(Healthy());

        await new NixosCollector().CollectAsync(context);

        var store = context.Snapshot.Nixos!.Store;
        Assert.NotNull(store);
        Assert.Equal("/dev/nvme0n1p2", store.Source);
        Assert.Equal("/nix/store", store.MountPoint);
        Assert.Equal(245084444L * 1024, store.SizeBytes);
        Assert.Equal(15597568, store.InodesTotal);
        Assert.Equal(2457730, store.InodesUsed);
    }

    [Fact]
    public async Task CollectAsync_HealthyHost_NeverRunsDuOrNixEvaluation()
    {
        var shell = Healthy();

        await new NixosCollector().CollectAsync(CreateContext(shell));

        Assert.DoesNotContain(shell.CommandsRun, command => command.StartsWith("du ", StringComparison.Ordinal));
        Assert.DoesNotContain(shell.CommandsRun, command => command.StartsWith("nix", StringComparison.Ordinal) && !command.StartsWith("nixos-version", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CollectAsync_NotNixos_ReturnsNotApplicableWithoutCommands()
    {
        var shell = new ReplayShell().WithFile("/etc/os-release", OsReleaseDebian);

        var outcome = await new NixosCollector().CollectAsync(CreateContext(shell));

        Assert.Equal(CollectorState.NotApplicable, outcome.State);
        Assert.Equal("not a NixOS host", outcome.Detail);
        Assert.Empty(shell.CommandsRun);
    }

    [Fact]
    public async Task CollectAsync_NoOsReleaseNoMarker_ReturnsNotApplicable()
    {
        var outcome = await new NixosCollector().CollectAsync(CreateContext(new ReplayShell()));

        Assert.Equal(CollectorState.NotApplicable, outcome.State);
        Assert.Equal("not a NixOS host", outcome.Detail);
    }

    [Fact]
    public async Task CollectAsync_OsNixosFilesUnread_Collects()
    {
        // The os collector found NixOS, and then /etc/NIXOS and /etc/os-release could not be read here.
        var shell = new ReplayShell();
        var context = CreateContext(shell);
        context.Snapshot.Os = new OsSection(OsFamily.Nixos, "nixos", "NixOS 25.11", "25.11");

        var outcome = await new NixosCollector().CollectAsync(context);

        Assert.NotEqual(CollectorState.NotApplicable, outcome.State);
        Assert.Contains(shell.CommandsRun, command => command.StartsWith("nixos-version", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ID=nixos\n")]
    [InlineData("ID=\"nixos\"\n")]
    public async Task CollectAsync_OsReleaseIdNixosWithoutMarker_Collects(string osRelease)
    {
        var shell = WithHealthyCommands(new ReplayShell()).WithFile("/etc/os-release", osRelease);
        var context = CreateContext(shell);

        var outcome = await new NixosCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
    }

    [Fact]
    public async Task CollectAsync_RebootPending_ReportsChangedComponents()
    {
        var context = CreateContext(RebootPending());

        await new NixosCollector().CollectAsync(context);

        var links = context.Snapshot.Nixos!.SystemLinks!;
        Assert.True(links.Switched);
        Assert.Equal(SwitchedSystem, links.CurrentSystem);
        Assert.Equal(BootedOldSystem, links.BootedSystem);
        Assert.Equal(["kernel", "initrd", "kernel-modules"], links.ChangedComponents.Select(component => component.Name));
        Assert.Equal(new NixosBootComponent("kernel", NewKernel, OldKernel), links.BootComponents[0]);
    }

    [Fact]
    public async Task CollectAsync_FlakeHost_ReadsConfigurationRevision()
    {
        var context = CreateContext(RebootPending());

        await new NixosCollector().CollectAsync(context);

        Assert.Equal("9f3b2c41d7e05a6b8c1d2e3f4a5b6c7d8e9f0a1b", context.Snapshot.Nixos!.Version!.ConfigurationRevision);
    }

    [Fact]
    public async Task CollectAsync_SwitchedWithSameKernel_ReportsNoChangedComponent()
    {
        var shell = Healthy().WithCommand(CurrentSystem, SwitchedSystem + "\n");
        var context = CreateContext(shell);

        await new NixosCollector().CollectAsync(context);

        var links = context.Snapshot.Nixos!.SystemLinks!;
        Assert.True(links.Switched);
        Assert.Empty(links.ChangedComponents);
    }

    [Fact]
    public async Task CollectAsync_ContainerWithoutKernel_SkipsAbsentComponents()
    {
        var shell = Healthy();
        foreach (var system in new[] { "/run/current-system", "/run/booted-system" })
        {
            foreach (var component in new[] { "kernel", "initrd", "kernel-modules" })
            {
                shell.WithCommand(ComponentCommand(system, component), "", exitCode: 1, standardError: $"readlink: {system}/{component}: No such file or directory\n");
            }
        }

        var context = CreateContext(shell.WithCommand(CurrentSystem, SwitchedSystem + "\n"));

        var outcome = await new NixosCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Empty(context.Snapshot.Nixos!.SystemLinks!.BootComponents);
    }

    [Fact]
    public async Task CollectAsync_EightyGenerations_CountsThem()
    {
        var context = CreateContext(EightyGenerations());

        await new NixosCollector().CollectAsync(context);

        var generations = context.Snapshot.Nixos!.Generations!;
        Assert.Equal(80, generations.Count);
        Assert.Equal(63, generations.Oldest);
    }

    [Fact]
    public async Task CollectAsync_StoreNearlyFull_ReadsUsedPercent()
    {
        var context = CreateContext(StoreNearlyFull());

        await new NixosCollector().CollectAsync(context);

        var store = context.Snapshot.Nixos!.Store!;
        Assert.Equal("/dev/nvme0n1p3", store.Source);
        Assert.Equal(97, Math.Round(store.UsedPercent));
    }

    [Fact]
    public async Task CollectAsync_VersionWithoutJson_ReadsPlainVersion()
    {
        var context = CreateContext(VersionWithoutJson());

        var outcome = await new NixosCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal(new NixosVersion("20.03.3258.86fa45b0ff1 (Markhor)", null, null), context.Snapshot.Nixos!.Version);
    }

    [Fact]
    public async Task CollectAsync_JsonOptionRejected_RunsPlainVersion()
    {
        var shell = Healthy().WithCommand(VersionJson, "", exitCode: 1, standardError: "nixos-version: unrecognized option '--json'\n");
        var context = CreateContext(shell);

        await new NixosCollector().CollectAsync(context);

        Assert.Contains(VersionPlain, shell.CommandsRun);
        Assert.Equal("24.11.719113.50ab793786d9 (Vicuna)", context.Snapshot.Nixos!.Version!.Version);
    }

    [Fact]
    public async Task CollectAsync_ProfileLinkPermissionDenied_ReturnsPartial()
    {
        var context = CreateContext(ProfileLinkPermissionDenied());

        var outcome = await new NixosCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("The current generation is unknown", outcome.Detail, StringComparison.Ordinal);
        Assert.Contains("Permission denied", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CollectAsync_ProfileLinkPermissionDenied_KeepsCountWithoutCurrent()
    {
        var shell = ProfileLinkPermissionDenied();
        var context = CreateContext(shell);

        await new NixosCollector().CollectAsync(context);

        var generations = context.Snapshot.Nixos!.Generations!;
        Assert.Null(generations.Current);
        Assert.Null(generations.CurrentCreatedAt);
        Assert.Equal(12, generations.Count);
        Assert.DoesNotContain(shell.CommandsRun, command => command.StartsWith("stat ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CollectAsync_BootedSystemUnreadable_LeavesRebootUnknown()
    {
        var shell = Healthy().WithCommand(BootedSystem, "", exitCode: 1, standardError: "readlink: /run/booted-system: Permission denied\n");
        var context = CreateContext(shell);

        var outcome = await new NixosCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("Whether a reboot is pending is unknown", outcome.Detail, StringComparison.Ordinal);
        Assert.Null(context.Snapshot.Nixos!.SystemLinks);
    }

    [Fact]
    public async Task CollectAsync_KernelLinkUnreadable_ReportsPartialWithoutKernel()
    {
        var shell = Healthy().WithCommand(
            ComponentCommand("/run/booted-system", "kernel"), "", exitCode: 1, standardError: "readlink: /run/booted-system/kernel: Permission denied\n");
        var context = CreateContext(shell);

        var outcome = await new NixosCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("Whether the kernel changed since boot is unknown", outcome.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(context.Snapshot.Nixos!.SystemLinks!.BootComponents, component => component.Name == "kernel");
    }

    [Fact]
    public async Task CollectAsync_Garbage_FailsWithFirstBytes()
    {
        var context = CreateContext(Garbage());

        var outcome = await new NixosCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Failed, outcome.State);
        Assert.StartsWith("No NixOS check succeeded", outcome.Detail, StringComparison.Ordinal);
        Assert.NotNull(outcome.FirstBytes);
        Assert.Null(context.Snapshot.Nixos);
    }

    [Fact]
    public async Task CollectAsync_GarbageProfileLink_NeverUsesItAsPath()
    {
        var shell = Garbage();

        await new NixosCollector().CollectAsync(CreateContext(shell));

        Assert.DoesNotContain(shell.CommandsRun, command => command.Contains("passwd", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CollectAsync_StoreDfFails_ReturnsPartialWithoutStore()
    {
        var shell = Healthy().WithCommand(StoreSpace, "", exitCode: 1, standardError: "df: /nix/store: Input/output error\n");
        var context = CreateContext(shell);

        var outcome = await new NixosCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("The Nix store's free space is unknown", outcome.Detail, StringComparison.Ordinal);
        Assert.Null(context.Snapshot.Nixos!.Store);
    }

    [Fact]
    public async Task CollectAsync_InodeDfHangs_KeepsStoreSpace()
    {
        var shell = Healthy().WithHangingCommand(StoreInodes);
        var context = CreateContext(shell);

        var outcome = await new NixosCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("timed out", outcome.Detail, StringComparison.Ordinal);
        Assert.Null(context.Snapshot.Nixos!.Store!.InodesTotal);
        Assert.Equal(245084444L * 1024, context.Snapshot.Nixos.Store.SizeBytes);
    }

    [Fact]
    public async Task CollectAsync_NixosVersionMissing_ReturnsPartial()
    {
        var shell = Healthy()
            .WithCommandResult(VersionJson, new CommandResult(CommandStatus.NotFound, null, "", "", TimeSpan.Zero, FailureReason: "No such file or directory"));
        var context = CreateContext(shell);

        var outcome = await new NixosCollector().CollectAsync(context);

        Assert.Equal(CollectorState.Partial, outcome.State);
        Assert.Contains("program not found", outcome.Detail, StringComparison.Ordinal);
        Assert.Null(context.Snapshot.Nixos!.Version);
    }

    [Fact]
    public async Task CollectAsync_ThisDebianMachine_ReturnsNotNixosHost()
    {
        var shell = new LocalProcessShell("local", NullLogger<LocalProcessShell>.Instance, TimeProvider.System);
        var context = CreateContext(shell);

        var outcome = await new NixosCollector().CollectAsync(context);

        Assert.Equal(CollectorState.NotApplicable, outcome.State);
        Assert.Equal("not a NixOS host", outcome.Detail);
        Assert.Null(context.Snapshot.Nixos);
    }

    private static CollectionContext CreateContext(IHostShell shell) => new()
    {
        Shell = shell,
        Snapshot = new HostSnapshot { HostName = shell.HostName, TakenAt = new DateTimeOffset(2024, 12, 20, 9, 0, 0, TimeSpan.Zero) },
        Options = new MonitoringOptions { CommandTimeout = TimeSpan.FromMilliseconds(100) },
    };
}
