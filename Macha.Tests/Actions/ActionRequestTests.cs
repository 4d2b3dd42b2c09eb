using Macha.Core.Actions;
using Macha.Core.Analysis.Decisions;
using Macha.Core.Hosts;
using static Macha.Tests.Actions.ActionTestData;

namespace Macha.Tests.Actions;

public sealed class ActionRequestTests
{
    [Fact]
    public void BuildCommands_RestartUnit_IsSudoSystemctlRestart()
    {
        var command = Assert.Single(new RestartUnit(Context(), "nginx.service").BuildCommands());

        AssertArgv(command, "sudo", "-n", "systemctl", "restart", "--", "nginx.service");
        Assert.Equal(RestartUnit.Timeout, command.Timeout);
    }

    [Fact]
    public void BuildCommands_ResetFailedUnit_IsSudoSystemctlResetFailed()
    {
        var command = Assert.Single(new ResetFailedUnit(Context(), "getty@tty1.service").BuildCommands());

        AssertArgv(command, "sudo", "-n", "systemctl", "reset-failed", "--", "getty@tty1.service");
    }

    [Fact]
    public void BuildCommands_VacuumJournal_IsOneSizeArgument()
    {
        var command = Assert.Single(new VacuumJournal(Context(), JournalSize.Parse("500M")).BuildCommands());

        AssertArgv(command, "sudo", "-n", "journalctl", "--vacuum-size=500M");
    }

    [Fact]
    public void BuildCommands_CollectNixGarbage_IsDaysWithSuffix()
    {
        var command = Assert.Single(new CollectNixGarbage(Context(), 14).BuildCommands());

        AssertArgv(command, "sudo", "-n", "nix-collect-garbage", "--delete-older-than", "14d");
    }

    [Fact]
    public void BuildCommands_RebuildNixos_IsDryBuildTestSwitch()
    {
        var commands = new RebuildNixos(Context(), "/etc/nixos#web-1").BuildCommands();

        Assert.Equal(3, commands.Count);
        AssertArgv(commands[0], "nixos-rebuild", "dry-build", "--flake", "/etc/nixos#web-1");
        AssertArgv(commands[1], "sudo", "-n", "nixos-rebuild", "test", "--flake", "/etc/nixos#web-1");
        AssertArgv(commands[2], "sudo", "-n", "nixos-rebuild", "switch", "--flake", "/etc/nixos#web-1");
    }

    [Fact]
    public void BuildCommands_RollbackNixos_IsSwitchRollback()
    {
        var command = Assert.Single(new RollbackNixos(Context()).BuildCommands());

        AssertArgv(command, "sudo", "-n", "nixos-rebuild", "switch", "--rollback");
    }

    public static TheoryData<string, string?, string[][]> DiagnosticCommands => new()
    {
        { "unit_status", "nginx.service", [["systemctl", "status", "--no-pager", "--full", "--lines=50", "--", "nginx.service"]] },
        { "unit_logs", "nginx.service", [["journalctl", "--no-pager", "--output=short-iso", "--lines=200", "--unit=nginx.service"]] },
        { "disk_usage", null, [["df", "-P", "-h"]] },
        { "top_processes", null, [["ps", "-eo", "pid,ppid,user,pcpu,pmem,rss,etime,comm", "--sort=-pcpu"]] },
        { "connectivity", null, [["ip", "-brief", "address", "show"], ["ip", "route", "show"]] },
        { "nixos_generations", null, [["nix-env", "--list-generations", "--profile", "/nix/var/nix/profiles/system"]] },
        { "failed_units", null, [["systemctl", "list-units", "--failed", "--no-pager", "--plain", "--no-legend"]] },
    };

    [Theory]
    [MemberData(nameof(DiagnosticCommands))]
    public void BuildCommands_Diagnostic_IsFixedReadOnlyArgv(string diagnostic, string? unit, string[][] expected)
    {
        var commands = new RunDiagnostic(Context(), diagnostic, unit).BuildCommands();

        Assert.Equal(expected.Length, commands.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            AssertArgv(commands[i], expected[i][0], expected[i][1..]);
            Assert.Equal(RunDiagnostic.MaxOutputBytes, commands[i].MaxOutputBytes);
        }
    }

    [Fact]
    public void Diagnostics_EveryNameInTheSchema_HasACommand()
    {
        var covered = DiagnosticCommands.Select(row => (string)row[0]).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(ActionKinds.Diagnostics.Order(StringComparer.Ordinal), covered.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void DescribeConfigChange_IsNotExecutable()
    {
        ActionRequest request = new DescribeConfigChange(Context(), "Raise LimitNOFILE for nginx.");

        Assert.IsNotAssignableFrom<ExecutableActionRequest>(request);
    }

    [Theory]
    [InlineData("nginx.service; reboot")]
    [InlineData("-nginx.service")]
    [InlineData("nginx")]
    [InlineData("getty@.service")]
    public void RestartUnit_InvalidUnit_Throws(string unit)
    {
        Assert.Throws<ArgumentException>(() => new RestartUnit(Context(), unit));
    }

    [Fact]
    public void Constructor_InvalidHostName_Throws()
    {
        Assert.Throws<ArgumentException>(() => new RollbackNixos(Context("web 1")));
    }

    [Fact]
    public void Constructor_MissingUndo_Throws()
    {
        var context = Context() with { Undo = " " };

        Assert.Throws<ArgumentException>(() => new RollbackNixos(context));
    }

    [Theory]
    [InlineData("64M", 64L * 1024 * 1024)]
    [InlineData("65536K", 64L * 1024 * 1024)]
    [InlineData("2G", 2L * 1024 * 1024 * 1024)]
    [InlineData("1024G", 1024L * 1024 * 1024 * 1024)]
    public void JournalSize_InRange_ParsesBytes(string text, long bytes)
    {
        Assert.Equal(bytes, JournalSize.Parse(text).Bytes);
    }

    [Fact]
    public void DedupKey_SameHostKindAndArguments_IsEqual()
    {
        var first = new RestartUnit(Context(), "nginx.service");
        var second = new RestartUnit(Context() with { Reason = "Another reason.", IncidentId = Guid.NewGuid(), Origin = ActionOrigin.Playbook }, "nginx.service");

        Assert.Equal(first.DedupKey, second.DedupKey);
    }

    [Fact]
    public void DedupKey_HostNameCase_IsIgnored()
    {
        var first = new RestartUnit(Context("web-1"), "nginx.service");
        var second = new RestartUnit(Context("WEB-1"), "nginx.service");

        Assert.Equal(first.DedupKey, second.DedupKey);
    }

    public static TheoryData<ActionRequest> DifferentFromBaseline => new()
    {
        new RestartUnit(Context("web-2"), "nginx.service"),
        new RestartUnit(Context(), "Nginx.service"),
        new RestartUnit(Context(), "nginx.socket"),
        new ResetFailedUnit(Context(), "nginx.service"),
        new RunDiagnostic(Context(), "unit_status", "nginx.service"),
        new VacuumJournal(Context(), JournalSize.Parse("500M")),
    };

    [Theory]
    [MemberData(nameof(DifferentFromBaseline))]
    public void DedupKey_DifferentHostKindOrArgument_Differs(ActionRequest other)
    {
        var baseline = new RestartUnit(Context(), "nginx.service");

        Assert.NotEqual(baseline.DedupKey, other.DedupKey);
    }

    [Fact]
    public void DedupKey_DifferentJournalSize_Differs()
    {
        var first = new VacuumJournal(Context(), JournalSize.Parse("500M"));
        var second = new VacuumJournal(Context(), JournalSize.Parse("1G"));

        Assert.NotEqual(first.DedupKey, second.DedupKey);
    }

    private static void AssertArgv(CommandRequest command, string program, params string[] arguments)
    {
        Assert.Equal(program, command.Program);
        Assert.Equal(arguments, command.Arguments);
    }
}
