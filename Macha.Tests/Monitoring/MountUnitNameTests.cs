using Macha.Core.Monitoring.Parsers;

namespace Macha.Tests.Monitoring;

public sealed class MountUnitNameTests
{
    // Expected names are what systemd-escape --path --suffix=mount prints (systemd 252).
    [Theory]
    [InlineData("/", "-.mount")]
    [InlineData("/data", "data.mount")]
    [InlineData("/data/", "data.mount")]
    [InlineData("//srv//backup", "srv-backup.mount")]
    [InlineData("/var/lib/my-app", @"var-lib-my\x2dapp.mount")]
    [InlineData("/mnt/.hidden", @"mnt-.hidden.mount")]
    [InlineData("/.snapshots", @"\x2esnapshots.mount")]
    [InlineData("/media/Données", @"media-Donn\xc3\xa9es.mount")]
    [InlineData("/mnt/a b", @"mnt-a\x20b.mount")]
    public void FromPath_MountPoint_ReturnsEscapedUnitName(string path, string expected)
    {
        Assert.Equal(expected, MountUnitName.FromPath(path));
    }
}
