using Bunit;
using Macha.Core.Cycle;
using Macha.Core.Hosts;
using Macha.Core.Storage;
using Macha.Tests.Cycle;
using Macha.Tests.Hosts;
using Macha.Web.Components.Pages;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Components;

/// <summary>
/// /hosts/{name} for a real sshd host in a network namespace, through real health cycles: first with
/// its pinned key, then after the host key was replaced, as a reinstall or a machine in the middle
/// would replace it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostDetailKeyChangeTests : MachaBunitContext
{
    [Fact]
    public async Task HostDetail_ChangedKey_ShowsBothKeys()
    {
        await using var host = await SshHostShellTests.StartHostAsync("rekeyed");
        var pinnedKey = host.HostKeyFingerprint;
        await using var harness = await CycleHarness.StartAsync(null, settings: Settings(host), useConfiguredInventory: true);
        Services.AddSingleton(TimeProvider.System);
        Services.AddFallbackServiceProvider(harness.Provider);

        var firstRun = await harness.Get<HealthCycle>().RunAsync(CycleTrigger.Manual);
        var before = Render<HostDetail>(parameters => parameters.Add(p => p.Name, host.Name));
        before.WaitForAssertion(() => before.Find("[data-test=host-connection]"));

        Assert.Equal(CycleState.Completed, firstRun.State);
        Assert.Equal(HostStatus.Online, harness.Get<HostRegistry>().Find(host.Name)!.Status);
        Assert.Contains(pinnedKey, before.Find("[data-test=host-pinned-keys]").TextContent, StringComparison.Ordinal);
        Assert.Contains("trusted, key pinned", before.Find("[data-test=host-trust]").TextContent, StringComparison.Ordinal);
        Assert.Equal($"root@{host.Address}:22", before.Find("[data-test=host-endpoint]").TextContent);
        Assert.Empty(before.FindAll("[data-test=host-presented-key]"));
        Assert.Empty(before.FindAll("[data-test=host-key-warning]"));

        await host.StopServerAsync();
        await host.RegenerateHostKeyAsync();
        await host.StartAsync();
        var registry = harness.Get<HostRegistry>();
        var secondRun = await harness.Get<HealthCycle>().RunAsync(CycleTrigger.Manual);

        // When the cycle's first command still finds the old connection, that connection breaks and
        // the shell waits RetryDelay before the handshake that receives the new key.
        for (var attempt = 1; registry.Find(host.Name)!.Status != HostStatus.HostKeyChanged && attempt <= 3; attempt++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            secondRun = await harness.Get<HealthCycle>().RunAsync(CycleTrigger.Manual);
        }

        var after = Render<HostDetail>(parameters => parameters.Add(p => p.Name, host.Name));
        after.WaitForAssertion(() => after.Find("[data-test=host-presented-key]"));

        Assert.Equal(CycleState.Completed, secondRun.State);
        Assert.NotEqual(pinnedKey, host.HostKeyFingerprint);
        Assert.Equal(HostStatus.HostKeyChanged, registry.Find(host.Name)!.Status);
        Assert.Contains(pinnedKey, after.Find("[data-test=host-pinned-keys]").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain(host.HostKeyFingerprint, after.Find("[data-test=host-pinned-keys]").TextContent, StringComparison.Ordinal);
        Assert.Equal($"ssh-ed25519 {host.HostKeyFingerprint}", after.Find("[data-test=host-presented-key]").TextContent);
        Assert.Contains("key changed", after.Find("[data-test=host-trust]").TextContent, StringComparison.Ordinal);
        Assert.Contains("ssh-keygen -lf", after.Find("[data-test=host-key-warning]").TextContent, StringComparison.Ordinal);
        Assert.Contains("HostKeyChanged", after.Find("[data-test=host-incidents]").TextContent, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Settings(SshTestHost host) => new()
    {
        ["Macha:LocalHostName"] = "local-test",
        ["Macha:Monitoring:CommandTimeout"] = "00:00:30",
        ["Macha:Monitoring:CollectorTimeout"] = "00:01:00",
        ["Macha:Monitoring:NetworkMountTimeout"] = "00:00:02",
        ["Macha:Hosts:ConnectTimeout"] = "00:00:08",
        ["Macha:Hosts:Remote:0:Name"] = host.Name,
        ["Macha:Hosts:Remote:0:Address"] = host.Address,
        ["Macha:Hosts:Remote:0:User"] = "root",
        ["Macha:Hosts:Remote:0:PrivateKeyFile"] = host.ClientKeyFile,
        ["Macha:Hosts:Remote:0:HostKeyFingerprints:0"] = host.HostKeyFingerprint,
        ["Macha:Hosts:RetryDelay"] = "00:00:01",
    };
}
