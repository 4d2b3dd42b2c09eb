using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Macha.Core.Approvals;
using Macha.Core.Hosts;
using Macha.Tests.Actions;
using Macha.Tests.Cycle;
using Macha.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Approvals;

/// <summary>
/// An approved restart whose command is killed while it runs. A shell script stands in for sudo and
/// runs as a real child process of LocalProcessShell; the test kills it by its PID.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ApprovalKilledProcessTests : IDisposable
{
    // Only a guard against a hang: the run normally ends as soon as the kill lands.
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(90);

    private readonly TestDataDirectory _scripts = new();
    private readonly List<int> _leftoverProcessIds = [];

    [Fact]
    public async Task CommandKilled_ApprovalFailsWithAuditLines()
    {
        var script = WriteScript(prelude: "", final: "exec sleep 600");

        var (approval, actions) = await ApproveAndKillAsync(script);

        Assert.Equal(ApprovalState.Failed, approval.State);
        Assert.Contains("signal 9", approval.Outcome, StringComparison.Ordinal);
        Assert.Contains("\"type\":\"action.started\"", actions, StringComparison.Ordinal);
        Assert.Contains("\"type\":\"action.failed\"", actions, StringComparison.Ordinal);
        Assert.Contains("[137]", actions, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommandKilledChildHoldsOutput_ApprovalStillFails()
    {
        // The killed script leaves its sleep running with the output pipe open, as a killed sudo
        // leaves systemctl: the run must end without waiting for the pipe to close.
        var script = WriteScript(prelude: $"sleep 600 &\necho $! > '{Path.Combine(_scripts.Path, "child")}'", final: "wait");

        var (approval, actions) = await ApproveAndKillAsync(script);

        Assert.Equal(ApprovalState.Failed, approval.State);
        Assert.Contains("signal 9", approval.Outcome, StringComparison.Ordinal);
        Assert.Contains("\"type\":\"action.failed\"", actions, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        var child = Path.Combine(_scripts.Path, "child");
        if (File.Exists(child) && int.TryParse(File.ReadAllText(child).Trim(), CultureInfo.InvariantCulture, out var childId))
        {
            _leftoverProcessIds.Add(childId);
        }

        foreach (var processId in _leftoverProcessIds)
        {
            try
            {
                using var process = Process.GetProcessById(processId);
                process.Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
            catch (InvalidOperationException)
            {
            }
        }

        _scripts.Dispose();
    }

    private async Task<(ApprovalRecord Approval, string Actions)> ApproveAndKillAsync(string script)
    {
        var local = new LocalProcessShell("test-host", NullLogger<LocalProcessShell>.Instance, TimeProvider.System);
        await using var harness = await CycleHarness.StartAsync([new WorkingCollector()], [new ProgramRedirectShell(local, "sudo", script)]);
        var queue = harness.Get<ApprovalQueue>();
        var id = (await queue.EnqueueAsync(ApprovalTestData.Request() with
        {
            Argv = ["sudo", "-n", "systemctl", "restart", "--", "nginx.service"],
            ProposalJson = JsonSerializer.Serialize(ActionTestData.Restart("nginx.service")),
        })).Approval.Id;

        var run = harness.Get<ApprovalRunner>().ApproveAndRunAsync(id, "alice", null);
        var processId = await WaitForPidAsync(run);
        _leftoverProcessIds.Add(processId);
        using (var process = Process.GetProcessById(processId))
        {
            process.Kill();
        }

        var result = await run.WaitAsync(HangGuard);
        var actions = await File.ReadAllTextAsync(Path.Combine(harness.DataDirectory, "actions.jsonl"));
        return (result.Approval!, actions);
    }

    private async Task<int> WaitForPidAsync(Task run)
    {
        var pidFile = Path.Combine(_scripts.Path, "pid");
        var deadline = DateTime.UtcNow + HangGuard;
        while (DateTime.UtcNow < deadline && !run.IsCompleted)
        {
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture, out var processId))
            {
                return processId;
            }

            await Task.Delay(20);
        }

        await run;
        throw new InvalidOperationException("The stand-in script never wrote its PID; the action ended before it started the command.");
    }

    // The script writes its PID only after the prelude, so a child the prelude starts is recorded
    // before the test can kill the script, and Dispose can always stop it.
    private string WriteScript(string prelude, string final)
    {
        var path = Path.Combine(_scripts.Path, "sudo-stand-in.sh");
        File.WriteAllText(path, $"#!/bin/sh\n{prelude}\necho $$ > '{Path.Combine(_scripts.Path, "pid")}'\n{final}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>Runs one program name as another executable, passing the same arguments; all else goes to the inner shell.</summary>
    private sealed class ProgramRedirectShell(IHostShell inner, string program, string replacement) : IHostShell
    {
        public string HostName => inner.HostName;

        public Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellationToken = default) =>
            inner.RunAsync(request.Program == program ? request with { Program = replacement } : request, cancellationToken);

        public Task<FileReadResult> ReadFileAsync(string path, int maxBytes, CancellationToken cancellationToken = default) =>
            inner.ReadFileAsync(path, maxBytes, cancellationToken);
    }
}
