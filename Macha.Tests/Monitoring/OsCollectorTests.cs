using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Collectors;
using Macha.Tests.Fakes;

namespace Macha.Tests.Monitoring;

public sealed class OsCollectorTests
{
    [Theory]
    [InlineData("nixos", null, OsFamily.Nixos)]
    [InlineData("debian", null, OsFamily.Debian)]
    [InlineData("ubuntu", "debian", OsFamily.Debian)]
    [InlineData("fedora", null, OsFamily.Fedora)]
    [InlineData("rhel", "fedora", OsFamily.Fedora)]
    [InlineData("rocky", "rhel centos fedora", OsFamily.Fedora)]
    [InlineData("arch", null, OsFamily.Arch)]
    [InlineData("endeavouros", "arch", OsFamily.Arch)]
    [InlineData("alpine", null, OsFamily.Alpine)]
    [InlineData("gentoo", null, OsFamily.Unknown)]
    public void Classify_IdAndIdLike_ReturnsFamily(string id, string? idLike, OsFamily expected)
    {
        Assert.Equal(expected, OsCollector.Classify(id, idLike));
    }

    [Fact]
    public async Task CollectAsync_UbuntuOsRelease_SetsSection()
    {
        var shell = new ReplayShell().WithFile("/etc/os-release", "NAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME=\"Ubuntu 24.04.1 LTS\"\n");
        var snapshot = new HostSnapshot { HostName = "test-host", TakenAt = DateTimeOffset.UnixEpoch };

        var outcome = await new OsCollector().CollectAsync(new CollectionContext { Shell = shell, Snapshot = snapshot, Options = new MonitoringOptions() });

        Assert.Equal(CollectorState.Ok, outcome.State);
        Assert.Equal(new OsSection(OsFamily.Debian, "ubuntu", "Ubuntu 24.04.1 LTS", "24.04"), snapshot.Os);
    }

    [Fact]
    public async Task CollectAsync_UsrLibOnly_ReadsFallback()
    {
        var shell = new ReplayShell().WithFile("/usr/lib/os-release", "ID=arch\nNAME=\"Arch Linux\"\n");
        var snapshot = new HostSnapshot { HostName = "test-host", TakenAt = DateTimeOffset.UnixEpoch };

        await new OsCollector().CollectAsync(new CollectionContext { Shell = shell, Snapshot = snapshot, Options = new MonitoringOptions() });

        Assert.Equal(OsFamily.Arch, snapshot.Os!.Family);
        Assert.Null(snapshot.Os.VersionId);
    }

    [Fact]
    public async Task CollectAsync_NoOsRelease_IsUnavailable()
    {
        var snapshot = new HostSnapshot { HostName = "test-host", TakenAt = DateTimeOffset.UnixEpoch };

        var outcome = await new OsCollector().CollectAsync(new CollectionContext { Shell = new ReplayShell(), Snapshot = snapshot, Options = new MonitoringOptions() });

        Assert.Equal(CollectorState.Unavailable, outcome.State);
        Assert.Null(snapshot.Os);
    }
}
