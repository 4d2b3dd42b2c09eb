using Macha.Core.Actions;
using static Macha.Tests.Actions.ActionTestData;

namespace Macha.Tests.Actions;

public sealed class ProtectedTargetsTests
{
    [Theory]
    [MemberData(nameof(BuiltInEntries))]
    public void IsProtected_BuiltInEntry_IsTrue(string unit)
    {
        var targets = new ProtectedTargets(Options());

        Assert.True(targets.IsProtected(unit));
    }

    public static TheoryData<string> BuiltInEntries() =>
        new(ProtectedTargets.BuiltIn.Where(entry => !entry.Contains('*', StringComparison.Ordinal)));

    [Theory]
    [InlineData("systemd-journald-varlink@.socket")]
    [InlineData("systemd-tmpfiles-clean.timer")]
    [InlineData("systemd-fsck@dev-sda1.service")]
    [InlineData("dbus-org.freedesktop.resolve1.service")]
    [InlineData("dbus.service")]
    [InlineData("sshd")]
    [InlineData("SSHD.service")]
    [InlineData("sshd@3-127.0.0.1:22-127.0.0.1:40000.service")]
    [InlineData("ollama")]
    public void IsProtected_CoveredByBuiltIn_IsTrue(string unit)
    {
        var targets = new ProtectedTargets(Options());

        Assert.True(targets.IsProtected(unit));
    }

    [Theory]
    [InlineData("nginx.service")]
    [InlineData("sshd-keygen.timer")]
    [InlineData("my-systemd-helper.service")]
    [InlineData("sshd.timer")]
    [InlineData("getty@tty1.service")]
    [InlineData("machad.service")]
    public void IsProtected_OrdinaryUnit_IsFalse(string unit)
    {
        var targets = new ProtectedTargets(Options());

        Assert.False(targets.IsProtected(unit));
    }

    [Theory]
    [InlineData("postgresql", "postgresql.service")]
    [InlineData("postgresql.service", "postgresql")]
    [InlineData("backup-*", "backup-db.service")]
    [InlineData("backup-*", "backup-db.timer")]
    [InlineData("*.mount", "home.mount")]
    [InlineData("container@*", "container@web.service")]
    [InlineData("getty@.service", "getty@tty1.service")]
    [InlineData("getty@tty1", "getty@tty1.service")]
    [InlineData("*db*", "mariadb.service")]
    public void IsProtected_ConfiguredEntry_MatchesUnit(string entry, string unit)
    {
        var targets = new ProtectedTargets(Options(options => options.ProtectedUnits = [entry]));

        Assert.True(targets.IsProtected(unit));
    }

    [Theory]
    [InlineData("postgresql", "postgresql.socket")]
    [InlineData("backup-*", "backup.service")]
    [InlineData("*.mount", "home.automount.service")]
    [InlineData("getty@tty1", "getty@tty2.service")]
    [InlineData("backup", "backup-db.service")]
    public void IsProtected_ConfiguredEntry_DoesNotMatchOtherUnit(string entry, string unit)
    {
        var targets = new ProtectedTargets(Options(options => options.ProtectedUnits = [entry]));

        Assert.False(targets.IsProtected(unit));
    }

    [Fact]
    public void GetRefusalReason_ConfiguredEntry_NamesTheOptionKey()
    {
        var targets = new ProtectedTargets(Options(options => options.ProtectedUnits = ["backup-*"]));

        var reason = targets.GetRefusalReason("backup-db.service");

        Assert.Contains("Macha:Actions:ProtectedUnits", reason, StringComparison.Ordinal);
        Assert.Contains("'backup-*'", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void GetRefusalReason_OrdinaryUnit_IsNull()
    {
        var targets = new ProtectedTargets(Options());

        Assert.Null(targets.GetRefusalReason("nginx.service"));
    }
}
