using System.Runtime.Versioning;
using System.Text.Json;
using Macha.Core.Approvals;
using Macha.Core.Storage.Audit;
using Macha.Tests.Approvals;
using Macha.Web.Cli;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Cli;

/// <summary>Each verb against the whole app on a loopback socket, checking output and exit codes.</summary>
public sealed class MachaCliTests : IClassFixture<CliTestServer>, IDisposable
{
    private readonly CliTestServer _server;
    private readonly CliRunner _cli;

    public MachaCliTests(CliTestServer server)
    {
        _server = server;
        _cli = new CliRunner(server.Url);
    }

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Help_NoVerb_ListsEveryVerb()
    {
        var result = await _cli.RunAsync("--help");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        foreach (var verb in new[] { "check", "approve", "logs", "status", "pause", "resume", "audit", "knowledge" })
        {
            Assert.Contains($"  {verb} ", result.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Check_Always_WaitsAndPrintsTheCompletedRun()
    {
        var result = await _cli.RunAsync("check");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Matches("Health cycle [0-9a-f-]{36} Completed in [0-9.]+ s: 1 host", result.Output);
        Assert.Contains("started; waiting", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_Json_PrintsRunAndFindings()
    {
        var result = await _cli.RunAsync("check", "--json");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        using var document = JsonDocument.Parse(result.Output);
        Assert.Equal("Completed", document.RootElement.GetProperty("run").GetProperty("state").GetString());
        var runId = document.RootElement.GetProperty("run").GetProperty("id").GetString();
        Assert.All(document.RootElement.GetProperty("findings").EnumerateArray(), f => Assert.Equal(runId, f.GetProperty("cycleRunId").GetString()));
    }

    [Fact]
    public async Task Status_Always_PrintsHealthAutonomyAndChecks()
    {
        var result = await _cli.RunAsync("status");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains($"Instance:          {_server.Url}/", result.Output, StringComparison.Ordinal);
        Assert.Matches("Health: +(Healthy|Degraded)", result.Output);
        Assert.Matches("Autonomy: +Suggest", result.Output);
        Assert.Contains("database", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_GlobalOptionBeforeVerb_IsAccepted()
    {
        _cli.Variables.Remove("MACHA_URL");

        var result = await _cli.RunAsync("--url", _server.Url, "--json", "status");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        using var document = JsonDocument.Parse(result.Output);
        Assert.Equal(_server.Url + "/", document.RootElement.GetProperty("instance").GetString());
    }

    [Fact]
    public async Task PauseThenResume_Always_SwitchesAutonomy()
    {
        var paused = await _cli.RunAsync("pause", "--reason", "maintenance window");
        var status = await _cli.RunAsync("status", "--json");
        var resumed = await _cli.RunAsync("resume");

        Assert.Equal(ExitCodes.Success, paused.ExitCode);
        Assert.Contains("Autonomy paused: Observe", paused.Output, StringComparison.Ordinal);
        Assert.Contains("maintenance window", paused.Output, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(status.Output);
        Assert.True(document.RootElement.GetProperty("autonomy").GetProperty("paused").GetBoolean());
        Assert.Equal(ExitCodes.Success, resumed.ExitCode);
        Assert.Contains("Autonomy resumed: Suggest", resumed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApproveList_Pending_ShowsTheApprovalAndItsCommand()
    {
        var id = await EnqueueAsync();

        var result = await _cli.RunAsync("approve", "list", "--limit", "500");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var line = Assert.Single(result.Output.Split('\n'), l => l.StartsWith(id.ToString(), StringComparison.Ordinal));
        Assert.Contains("Pending", line, StringComparison.Ordinal);
        Assert.Contains("systemctl restart nginx.service", line, StringComparison.Ordinal);
        Assert.Contains("'macha approve approve ID'", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApproveShow_Pending_PrintsFieldsAndTransitions()
    {
        var id = await EnqueueAsync();

        var result = await _cli.RunAsync("approve", "show", id.ToString());

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Matches($"(?m)^Approval: +{id}$", result.Output);
        Assert.Matches("(?m)^Command: +sudo -n systemctl restart nginx.service$", result.Output);
        Assert.Matches("(?m)^Reason: +nginx.service failed 3 minutes ago.$", result.Output);
        Assert.Matches("(?m)^AT +FROM +TO +BY", result.Output);
    }

    [Fact]
    public async Task ApproveShow_UnknownId_Exits3()
    {
        var result = await _cli.RunAsync("approve", "show", Guid.NewGuid().ToString());

        Assert.Equal(ExitCodes.NotFound, result.ExitCode);
        Assert.Contains("No approval with id", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("approve", "show", "not-a-guid")]
    [InlineData("approve")]
    [InlineData("approve", "frobnicate")]
    [InlineData("check", "--timeout-seconds", "0")]
    [InlineData("status", "--token", "secret")]
    [InlineData("logs", "actions", "--lines", "0")]
    [InlineData("knowledge", "add", "--title", "t")]
    public async Task Verb_InvalidCommandLine_Exits2WithUsageHint(params string[] args)
    {
        var result = await _cli.RunAsync(args);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--help' for usage.", result.Error, StringComparison.Ordinal);
        Assert.StartsWith($"macha {args[0]}: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApproveReject_Pending_RejectsWithTheComment()
    {
        var id = await EnqueueAsync();

        var result = await _cli.RunAsync("approve", "reject", id.ToString(), "--comment", "not during business hours");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains($"Approval {id} rejected", result.Output, StringComparison.Ordinal);
        var queue = _server.Services.GetRequiredService<ApprovalQueue>();
        Assert.Equal(ApprovalState.Rejected, (await queue.GetAsync(id))?.State);
        Assert.Equal("not during business hours", (await queue.GetTransitionsAsync(id))[^1].Comment);
    }

    [Fact]
    public async Task ApproveApprove_AlreadyRejected_Exits1WithConflict()
    {
        var id = await EnqueueAsync();
        await _server.Services.GetRequiredService<ApprovalQueue>().RejectAsync(id, "alice");

        var result = await _cli.RunAsync("approve", "approve", id.ToString());

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("409", result.Error, StringComparison.Ordinal);
        Assert.Contains("only a Pending approval can be decided", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrapper_MachaApprove_NamesItselfInHelp()
    {
        _cli.Variables[MachaCli.NameVariable] = "macha-approve";

        var help = await _cli.RunAsync("approve", "--help");
        var list = await _cli.RunAsync("approve", "list");

        Assert.Equal(ExitCodes.Success, help.ExitCode);
        Assert.Contains("Usage:\n  macha-approve [command] [options]", help.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Success, list.ExitCode);
    }

    [Fact]
    public async Task Wrapper_MachaCheck_UsageErrorNamesTheWrapper()
    {
        _cli.Variables[MachaCli.NameVariable] = "macha-check";

        var result = await _cli.RunAsync("check", "--bogus");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.StartsWith("macha-check: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("Run 'macha-check --help' for usage.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerbHelp_WithoutWrapper_ReadsAsMachaVerb()
    {
        var result = await _cli.RunAsync("approve", "approve", "--help");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("macha approve approve <id>", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("macha-approve", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogsActions_Lines_PrintsNewestOldestFirst()
    {
        var audit = _server.Services.GetRequiredService<IAuditLog>();
        var marker = Guid.NewGuid().ToString("N");
        await audit.AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ActionQueued, "macha", "web-1", null, new() { ["marker"] = marker + "-1" }));
        await audit.AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ActionFailed, "macha", "web-1", null, new() { ["marker"] = marker + "-2" }));

        var result = await _cli.RunAsync("logs", "actions", "-n", "2");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var first = result.Output.IndexOf(marker + "-1", StringComparison.Ordinal);
        var second = result.Output.IndexOf(marker + "-2", StringComparison.Ordinal);
        Assert.True(first >= 0, result.Output);
        Assert.True(second > first, result.Output);
        Assert.Contains("action.failed", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogsDecisions_Follow_PrintsLinesWrittenLaterUntilCancelled()
    {
        var audit = _server.Services.GetRequiredService<IAuditLog>();
        var marker = Guid.NewGuid().ToString("N");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = new LockedWriter();

        var run = _cli.RunAsync(["logs", "decisions", "--follow", "--json"], stop.Token, output);
        await Task.Delay(TimeSpan.FromSeconds(1), stop.Token);
        await audit.AppendAsync(AuditFile.Decisions, new AuditEvent(AuditEventTypes.Decision, "macha", "web-1", null, new() { ["marker"] = marker }));
        while (!output.ToString().Contains(marker, StringComparison.Ordinal) && !stop.IsCancellationRequested)
        {
            await Task.Delay(100, CancellationToken.None);
        }

        await stop.CancelAsync();
        var result = await run;

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var line = Assert.Single(result.Output.Split('\n'), l => l.Contains(marker, StringComparison.Ordinal));
        using var document = JsonDocument.Parse(line);
        Assert.Equal("decision", document.RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public async Task LogsOrchestrator_AfterACheck_ListsTheRun()
    {
        var check = await _cli.RunAsync("check", "--json");
        var runId = JsonDocument.Parse(check.Output).RootElement.GetProperty("run").GetProperty("id").GetString()!;

        var result = await _cli.RunAsync("logs", "orchestrator", "-n", "5");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Matches($"cycle {runId}  Manual +Completed", result.Output);
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public async Task LogsService_StubJournalctl_PassesUnitAndLines()
    {
        var stub = Path.Combine(_cli.Variables["PATH"]!, "journalctl");
        await File.WriteAllTextAsync(stub, "#!/bin/sh\necho \"journalctl $*\"\n");
        File.SetUnixFileMode(stub, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var result = await _cli.RunAsync("logs", "service", "-n", "7", "--follow");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Equal("journalctl --unit macha-autonomous --lines 7 --no-pager --follow", result.Output.Trim());
    }

    [Fact]
    public async Task LogsService_NoJournalctl_Exits1AndPointsToTheApi()
    {
        var result = await _cli.RunAsync("logs", "service");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("journalctl was not found on PATH", result.Error, StringComparison.Ordinal);
        Assert.Contains("'macha logs decisions'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditVerify_EditedLine_Exits1AndNamesTheLine()
    {
        var intact = await _cli.RunAsync("audit", "verify");
        var audit = _server.Services.GetRequiredService<IAuditLog>();
        await audit.AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ActionSucceeded, "macha", "web-1", null, new() { ["unit"] = "nginx.service" }));
        var path = audit.GetPath(AuditFile.Actions);
        var original = await File.ReadAllLinesAsync(path);
        var lines = original.ToArray();
        lines[^1] = lines[^1].Replace("nginx.service", "sshd.service", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(path, lines);

        try
        {
            var broken = await _cli.RunAsync("audit", "verify");

            Assert.Equal(ExitCodes.Success, intact.ExitCode);
            Assert.Contains("intact", intact.Output, StringComparison.Ordinal);
            Assert.Equal(ExitCodes.Failure, broken.ExitCode);
            Assert.Contains($"BROKEN at line {lines.Length} (HashMismatch)", broken.Output, StringComparison.Ordinal);
        }
        finally
        {
            // The file is shared by the other tests of this class.
            await File.WriteAllLinesAsync(path, original);
        }
    }

    [Fact]
    public async Task Verb_NothingListening_Exits1WithTheUrl()
    {
        _cli.Variables["MACHA_URL"] = "http://127.0.0.1:1";

        var result = await _cli.RunAsync("status");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("Cannot reach Macha at http://127.0.0.1:1/ (from MACHA_URL)", result.Error, StringComparison.Ordinal);
    }

    private async Task<Guid> EnqueueAsync()
    {
        var proposal = """{"kind":"restart_unit","unit":"nginx.service","reason":"nginx.service failed.","expected_effect":"nginx.service is active.","undo":"None needed."}""";
        var request = ApprovalTestData.Request($"restart-unit:test-host:{Guid.NewGuid()}") with { ProposalJson = proposal };
        var result = await _server.Services.GetRequiredService<ApprovalQueue>().EnqueueAsync(request);
        return result.Approval.Id;
    }
}
