using Macha.Core.Actions;
using Macha.Core.Actions.Execution;
using Macha.Core.Hosts;
using Macha.Core.Storage.Audit;
using Macha.Tests.Detection;
using Macha.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Actions.Execution;

public sealed class ActionDryRunTests
{
    private const string Status = "systemctl status --no-pager --full --lines=20 -- nginx.service";
    private const string Show =
        "systemctl show --property=Id,Description,LoadState,ActiveState,SubState,Result,MainPID,NRestarts,StateChangeTimestamp,RequiredBy,BoundBy,ConsistsOf,TriggeredBy -- nginx.service";

    private static readonly ActionContext Context = new(
        "test-host",
        Guid.Parse("5b1d3c3e-8f0a-4d7e-9a51-0f3e2b6c9d10"),
        ActionOrigin.Playbook,
        "nginx.service failed.",
        "nginx.service is active again.",
        "Stop the unit.");

    public static TheoryData<string, string[]> PreviewCommands() => new()
    {
        { "restart", [Status, Show] },
        { "reset", ["systemctl show --property=Id,Description,LoadState,ActiveState,SubState,Result,NRestarts,StateChangeTimestamp -- gone.service"] },
        { "vacuum", ["journalctl --disk-usage"] },
        { "garbage", ["nix-collect-garbage --dry-run --delete-older-than 14d"] },
        { "rebuild", ["nixos-rebuild dry-build --flake /etc/nixos#web-1"] },
        { "rollback", ["nix-env --list-generations --profile /nix/var/nix/profiles/system"] },
        { "diagnostic", [] },
    };

    [Theory]
    [MemberData(nameof(PreviewCommands))]
    public void CommandsFor_EachKind_IsReadOnlyArgv(string kind, string[] expected)
    {
        var commands = DryRun().CommandsFor(Request(kind));

        Assert.Equal(expected, commands.Select(c => c.DisplayText).ToArray());
        Assert.All(commands, c => Assert.NotEqual("sudo", c.Program));
        Assert.All(commands, c => Assert.Equal(TimeSpan.FromMinutes(1), c.Timeout));
        Assert.All(commands, c => Assert.Equal(ActionDryRun.MaxOutputBytes, c.MaxOutputBytes));
    }

    [Fact]
    public async Task Run_RestartUnit_ShowsStatusAndDependents()
    {
        var shell = new ReplayShell()
            .WithCommand(Status, "× nginx.service - A high performance web server\n     Active: failed (Result: exit-code)\n", exitCode: 3)
            .WithCommand(Show, "Id=nginx.service\nActiveState=failed\nRequiredBy=\nBoundBy=\nConsistsOf=nginx-log.service\n");

        var preview = await DryRun().RunAsync(Request("restart"), shell);

        Assert.NotNull(preview);
        Assert.StartsWith("$ " + Status + "\n× nginx.service", preview, StringComparison.Ordinal);
        Assert.Contains("[exit code 3]", preview, StringComparison.Ordinal);
        Assert.Contains("$ " + Show, preview, StringComparison.Ordinal);
        Assert.Contains("ConsistsOf=nginx-log.service", preview, StringComparison.Ordinal);
        Assert.DoesNotContain(ActionDryRun.FailedPrefix, preview, StringComparison.Ordinal);
        Assert.Equal([Status, Show], shell.CommandsRun);
    }

    [Fact]
    public async Task Run_RunDiagnostic_ReturnsNullAndRunsNothing()
    {
        var shell = new ReplayShell();

        var preview = await DryRun().RunAsync(Request("diagnostic"), shell);

        Assert.Null(preview);
        Assert.Empty(shell.CommandsRun);
    }

    [Fact]
    public async Task Run_ProgramMissing_ReturnsReason()
    {
        var shell = new ReplayShell();

        var preview = await DryRun().RunAsync(Request("vacuum"), shell);

        Assert.NotNull(preview);
        Assert.StartsWith(ActionDryRun.FailedPrefix, preview, StringComparison.Ordinal);
        Assert.Contains("journalctl --disk-usage: program not found", preview, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_OneCommandMissing_KeepsOther()
    {
        var shell = new ReplayShell().WithCommand(Show, "Id=nginx.service\nActiveState=failed\n");

        var preview = await DryRun().RunAsync(Request("restart"), shell);

        Assert.NotNull(preview);
        Assert.DoesNotContain(ActionDryRun.FailedPrefix, preview, StringComparison.Ordinal);
        Assert.Contains("program not found", preview, StringComparison.Ordinal);
        Assert.Contains("ActiveState=failed", preview, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_CommandHangs_StopsAtTimeoutWithReason()
    {
        var shell = new ReplayShell().WithHangingCommand("nix-collect-garbage --dry-run --delete-older-than 14d");

        var preview = await DryRun(TimeSpan.FromMilliseconds(200)).RunAsync(Request("garbage"), shell);

        Assert.NotNull(preview);
        Assert.StartsWith(ActionDryRun.FailedPrefix, preview, StringComparison.Ordinal);
        Assert.Contains("timed out", preview, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ShellThrows_ReturnsReasonInsteadOfThrowing()
    {
        var preview = await DryRun().RunAsync(Request("vacuum"), new ThrowingShell());

        Assert.NotNull(preview);
        Assert.StartsWith(ActionDryRun.FailedPrefix, preview, StringComparison.Ordinal);
        Assert.Contains("connection reset by the test", preview, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Cancelled_Throws()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var shell = new ReplayShell().WithHangingCommand("journalctl --disk-usage");

        var run = () => DryRun().RunAsync(Request("vacuum"), shell, cancelled.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(run);
    }

    [Fact]
    public async Task Run_OutputWithSecrets_IsRedacted()
    {
        var redactor = new SecretRedactor();
        redactor.AddKnownSecret("AbGotifyToken123");
        var shell = new ReplayShell().WithCommand(
            "journalctl --disk-usage",
            "Archived and active journals take up 1.2G in the file system.\nEnvironment=GOTIFY_URL=https://push?token=AbGotifyToken123 DB_PASSWORD=hunter2hunter2\n");

        var preview = await DryRun(redactor: redactor).RunAsync(Request("vacuum"), shell);

        Assert.NotNull(preview);
        Assert.Contains("take up 1.2G", preview, StringComparison.Ordinal);
        Assert.DoesNotContain("AbGotifyToken123", preview, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2hunter2", preview, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ControlCharacters_AreRemoved()
    {
        var shell = new ReplayShell().WithCommand("journalctl --disk-usage", "\u001b[31mred\u001b[0m text\u0007\r\n");

        var preview = await DryRun().RunAsync(Request("vacuum"), shell);

        Assert.NotNull(preview);
        Assert.Contains("red text", preview, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', preview);
        Assert.DoesNotContain('\u0007', preview);
        Assert.DoesNotContain('\r', preview);
    }

    [Fact]
    public async Task Run_LongOutput_IsCut()
    {
        var lines = string.Join('\n', Enumerable.Range(0, 5000).Select(i => $"removing old generation {i} of the system profile"));
        var shell = new ReplayShell().WithCommand("nix-collect-garbage --dry-run --delete-older-than 14d", lines);

        var preview = await DryRun().RunAsync(Request("garbage"), shell);

        Assert.NotNull(preview);
        Assert.True(preview.Length <= ActionDryRun.MaxCharacters, $"The preview has {preview.Length} characters.");
        Assert.EndsWith($"[the preview is longer than {ActionDryRun.MaxCharacters} characters; the rest was dropped]", preview, StringComparison.Ordinal);
        Assert.Contains("removing old generation 0 ", preview, StringComparison.Ordinal);
    }

    private static ActionDryRun DryRun(TimeSpan? timeout = null, SecretRedactor? redactor = null) => new(
        redactor ?? new SecretRedactor(),
        new TestOptionsMonitor<ActionOptions>(new ActionOptions { DryRunTimeout = timeout ?? TimeSpan.FromMinutes(1) }),
        NullLogger<ActionDryRun>.Instance);

    private static ExecutableActionRequest Request(string kind) => kind switch
    {
        "restart" => new RestartUnit(Context, "nginx.service"),
        "reset" => new ResetFailedUnit(Context, "gone.service"),
        "vacuum" => new VacuumJournal(Context, JournalSize.Parse("500M")),
        "garbage" => new CollectNixGarbage(Context, 14),
        "rebuild" => new RebuildNixos(Context, "/etc/nixos#web-1"),
        "rollback" => new RollbackNixos(Context),
        _ => new RunDiagnostic(Context, "disk_usage"),
    };

    private sealed class ThrowingShell : IHostShell
    {
        public string HostName => "test-host";

        public Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellationToken = default) =>
            throw new IOException("connection reset by the test");

        public Task<FileReadResult> ReadFileAsync(string path, int maxBytes, CancellationToken cancellationToken = default) =>
            throw new IOException("connection reset by the test");
    }
}
