using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class SystemdUnitNameTests
{
    [Theory]
    [InlineData("nginx.service")]
    [InlineData("-.mount")]
    [InlineData(@"dev-disk-by\x2duuid-does\x2dnot\x2dexist.device")]
    [InlineData(@"systemd-fsck@dev-disk-by\x2dlabel-500_boot.service")]
    [InlineData("resticprofile-backup@profile-main.timer")]
    [InlineData("user@1000.service")]
    [InlineData("session-3.scope")]
    [InlineData("system-getty.slice")]
    [InlineData("dbus-:1.2-org.freedesktop.problems@0.service")]
    public void IsValid_SystemdUnitName_ReturnsTrue(string name)
    {
        Assert.True(SystemdUnitName.IsValid(name));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("nginx")]
    [InlineData(".service")]
    [InlineData("a;reboot.service")]
    [InlineData("nginx service")]
    [InlineData("$(reboot).service")]
    [InlineData("'nginx'.service")]
    [InlineData("../etc/passwd.service")]
    [InlineData("nginx.service\n")]
    [InlineData("nginx\u0000.service")]
    [InlineData("n\u00e4me.service")]
    [InlineData("nginx\t.service")]
    public void IsValid_NotAUnitName_ReturnsFalse(string? name)
    {
        Assert.False(SystemdUnitName.IsValid(name));
    }

    [Fact]
    public void IsValid_LongerThanSystemdAllows_ReturnsFalse()
    {
        var name = new string('a', 248) + ".service";

        Assert.False(SystemdUnitName.IsValid(name));
    }
}
