using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Macha.Core.Hosts;
using Macha.Core.Storage.Audit;
using Macha.Tests.Fakes;
using Macha.Tests.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Actions;

/// <summary>
/// Follows a failing unit through the whole app. The health cycle finds it, the playbook proposes a
/// restart, and the approval waits with its dry-run output. An operator approves it through the
/// HTTP API with an API token, and the restart runs as a real process and is verified. Every step
/// shows in the API and in decisions.jsonl and actions.jsonl.
/// </summary>
/// <remarks>
/// The host is this machine through the real local process shell, except that systemctl and sudo
/// are stand-in scripts: PID 1 here is not systemd. The systemctl script reports nginx.service as
/// failed until a restart marks it active again; the sudo script runs only that script.
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FailingUnitEndToEndTests : IDisposable
{
    private const string HostName = "e2e-host";
    private const string Unit = "nginx.service";

    // A guard against a hang, not a timing assertion: a cycle here finishes within seconds.
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    private readonly TestDataDirectory _scripts = new();

    public void Dispose() => _scripts.Dispose();

    [Fact]
    public async Task FailedUnit_ApprovedThroughApi_RunsAndAudits()
    {
        WriteScripts();
        using var factory = new SecuredWebFactory(Settings(), services => services.AddSingleton<IHostInventory>(
            provider => new StandInInventory(new StandInProgramShell(provider.GetRequiredService<LocalProcessShell>(), _scripts.Path))));
        using var client = factory.CreateBrowserClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", factory.OperateToken.Token);

        var pending = await WaitForPendingApprovalAsync(client);

        // Finding and incident.
        var incidentId = pending.GetProperty("incidentId").GetGuid();
        var incident = await client.GetFromJsonAsync<JsonElement>($"/api/incidents/{incidentId}");
        Assert.Equal("FailedUnit", FindString(incident, "kind"));
        Assert.Equal(Unit, FindString(incident, "subject"));
        Assert.Equal(HostName, FindString(incident, "hostName"));

        // The proposal as a pending approval, with its preview.
        Assert.Equal("Pending", pending.GetProperty("state").GetString());
        Assert.Equal(HostName, pending.GetProperty("hostName").GetString());
        Assert.Equal("restart_unit", pending.GetProperty("actionKind").GetString());
        Assert.Equal("Low", pending.GetProperty("risk").GetString());
        Assert.Equal(["sudo", "-n", "systemctl", "restart", "--", Unit], Strings(pending.GetProperty("argv")));
        var dryRun = pending.GetProperty("dryRunOutput").GetString();
        Assert.NotNull(dryRun);
        Assert.StartsWith($"$ systemctl status --no-pager --full --lines=20 -- {Unit}\n× {Unit} - A stand-in web server", dryRun, StringComparison.Ordinal);
        Assert.Contains("[exit code 3]", dryRun, StringComparison.Ordinal);
        Assert.Contains("ConsistsOf=nginx-reload.service", dryRun, StringComparison.Ordinal);
        Assert.DoesNotContain("restart", await ReadCallsAsync(), StringComparison.Ordinal);

        // The decision that led to it, and the queued line.
        var decisions = await ListAuditAsync(client, "decisions", incidentId);
        var decision = Assert.Single(decisions, line => line.GetProperty("type").GetString() == AuditEventTypes.Decision);
        Assert.Equal("skipped", decision.GetProperty("data").GetProperty("state").GetString());
        var queued = Assert.Single(await ListAuditAsync(client, "actions", incidentId));
        Assert.Equal(AuditEventTypes.ActionQueued, queued.GetProperty("type").GetString());
        Assert.Equal(pending.GetProperty("id").GetGuid(), queued.GetProperty("data").GetProperty("approval_id").GetGuid());

        // Approval through the API, which runs and verifies the restart before it responds.
        var approvalId = pending.GetProperty("id").GetGuid();
        var response = await client.PostAsJsonAsync($"/api/approvals/{approvalId}/approve", new { comment = "Restart it; the config is fixed." });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var ran = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Succeeded", ran.GetProperty("approval").GetProperty("state").GetString());
        var calls = (await ReadCallsAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(calls, call => call == $"sudo -n systemctl restart -- {Unit}");
        var restartAt = Array.IndexOf(calls, $"systemctl restart -- {Unit}");
        Assert.True(restartAt >= 0, "The sudo stand-in never ran systemctl restart.");
        Assert.Contains($"systemctl is-active -- {Unit}", calls[restartAt..]);

        // The approval's history in the API.
        var detail = await client.GetFromJsonAsync<JsonElement>($"/api/approvals/{approvalId}");
        var approval = detail.GetProperty("approval");
        Assert.Equal("Succeeded", approval.GetProperty("state").GetString());
        Assert.Equal($"token:{SecuredWebFactory.OperateTokenName}", approval.GetProperty("decidedBy").GetString());
        Assert.Contains("active", approval.GetProperty("outcome").GetString(), StringComparison.Ordinal);
        var transitions = detail.GetProperty("transitions").EnumerateArray().ToList();
        Assert.Equal(["Pending", "Approved", "Running", "Succeeded"], transitions.Select(t => t.GetProperty("toState").GetString()!).ToArray());
        Assert.Equal(["macha", $"token:{SecuredWebFactory.OperateTokenName}", "macha", "macha"], transitions.Select(t => t.GetProperty("actor").GetString()!).ToArray());
        Assert.Equal("Restart it; the config is fixed.", transitions[1].GetProperty("comment").GetString());

        // Every step in actions.jsonl, through the API, oldest first.
        var actions = await ListAuditAsync(client, "actions", incidentId);
        Assert.Equal(
            [AuditEventTypes.ActionQueued, AuditEventTypes.ApprovalApproved, AuditEventTypes.ActionStarted, AuditEventTypes.ActionSucceeded],
            actions.Select(line => line.GetProperty("type").GetString()!).ToArray());
        var approved = actions[1];
        Assert.Equal($"token:{SecuredWebFactory.OperateTokenName}", approved.GetProperty("actor").GetString());
        Assert.Equal("Restart it; the config is fixed.", approved.GetProperty("data").GetProperty("comment").GetString());
        Assert.Equal(approvalId, approved.GetProperty("data").GetProperty("approval_id").GetGuid());
        var succeeded = actions[3];
        Assert.Equal($"token:{SecuredWebFactory.OperateTokenName}", succeeded.GetProperty("actor").GetString());
        Assert.Equal(HostName, succeeded.GetProperty("host").GetString());
        Assert.Equal("succeeded", succeeded.GetProperty("data").GetProperty("outcome").GetString());
        Assert.Contains("active", succeeded.GetProperty("data").GetProperty("verification").GetString(), StringComparison.Ordinal);

        // The same lines are in the files, and both chains are intact.
        var actionsFile = await File.ReadAllTextAsync(Path.Combine(factory.DataDirectory, AuditLog.ActionsFileName));
        Assert.Contains($"\"type\":\"approval.approved\",\"actor\":\"token:{SecuredWebFactory.OperateTokenName}\"", actionsFile, StringComparison.Ordinal);
        var decisionsFile = await File.ReadAllTextAsync(Path.Combine(factory.DataDirectory, AuditLog.DecisionsFileName));
        Assert.Contains(incidentId.ToString(), decisionsFile, StringComparison.Ordinal);
        var verify = await client.GetFromJsonAsync<JsonElement>("/api/audit/verify");
        Assert.True(verify.GetProperty("intact").GetBoolean(), verify.ToString());
    }

    private static Dictionary<string, string?> Settings()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Macha:Actions:AutonomyLevel"] = "Suggest",
            ["Macha:Actions:RestartSettleTime"] = "00:00:00",
        };

        // Only the systemd collector runs, so this machine's own disks or journal add no incidents.
        string[] others = ["boot", "cpu", "disks", "journal", "load", "memory", "network", "nixos", "os", "pressure", "processes"];
        for (var i = 0; i < others.Length; i++)
        {
            settings[$"Macha:Monitoring:DisabledCollectors:{i}"] = others[i];
        }

        return settings;
    }

    private static async Task<JsonElement> WaitForPendingApprovalAsync(HttpClient client)
    {
        var started = await client.PostAsync(new Uri("/api/cycles", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);

        var deadline = DateTime.UtcNow + HangGuard;
        while (DateTime.UtcNow < deadline)
        {
            var page = await client.GetFromJsonAsync<JsonElement>("/api/approvals?state=Pending");
            if (page.GetProperty("items").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } item)
            {
                return item;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"No pending approval appeared within {HangGuard}.");
    }

    private static async Task<List<JsonElement>> ListAuditAsync(HttpClient client, string file, Guid incidentId) =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/{file}?incident={incidentId}&after=0&limit=100")).EnumerateArray().ToList();

    // Incident responses nest the record; the first property with this name, at any depth, is the one meant.
    private static string? FindString(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (property.NameEquals(name) && property.Value.ValueKind == JsonValueKind.String)
            {
                return property.Value.GetString();
            }

            if (FindString(property.Value, name) is { } nested)
            {
                return nested;
            }
        }

        return null;
    }

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    private Task<string> ReadCallsAsync()
    {
        var path = Path.Combine(_scripts.Path, "calls");
        return File.Exists(path) ? File.ReadAllTextAsync(path) : Task.FromResult(string.Empty);
    }

    private void WriteScripts()
    {
        var directory = _scripts.Path;
        WriteScript("systemctl", $$"""
            #!/bin/sh
            echo "systemctl $*" >> '{{directory}}/calls'
            restarted='{{directory}}/restarted'
            case "$1" in
              list-units)
                case "$*" in
                  *--failed*)
                    if [ -e "$restarted" ]; then echo '[]'; else
                      echo '[{"unit":"{{Unit}}","load":"loaded","active":"failed","sub":"failed","description":"A stand-in web server"}]'
                    fi ;;
                  *) echo '[]' ;;
                esac ;;
              is-system-running)
                if [ -e "$restarted" ]; then echo running; else echo degraded; exit 1; fi ;;
              show)
                echo 'Id={{Unit}}'
                echo 'Description=A stand-in web server'
                echo 'LoadState=loaded'
                if [ -e "$restarted" ]; then echo 'ActiveState=active'; echo 'Result=success'; else echo 'ActiveState=failed'; echo 'Result=exit-code'; fi
                echo 'ExecMainCode=1'
                echo 'ExecMainStatus=1'
                echo 'NRestarts=0'
                echo 'ConsistsOf=nginx-reload.service' ;;
              status)
                echo '× {{Unit}} - A stand-in web server'
                if [ -e "$restarted" ]; then echo '     Active: active (running)'; else echo '     Active: failed (Result: exit-code)'; exit 3; fi ;;
              is-active)
                if [ -e "$restarted" ]; then echo active; else echo failed; exit 3; fi ;;
              restart)
                if [ "$2" = "--" ] && [ "$3" = "{{Unit}}" ] && [ "$#" -eq 3 ]; then touch "$restarted"; else echo "unexpected restart: $*" >&2; exit 1; fi ;;
              *)
                echo "systemctl stand-in: unexpected arguments: $*" >&2; exit 1 ;;
            esac
            """);
        WriteScript("sudo", $$"""
            #!/bin/sh
            echo "sudo $*" >> '{{directory}}/calls'
            if [ "$1" = "-n" ] && [ "$2" = "systemctl" ]; then shift 2; exec '{{directory}}/systemctl' "$@"; fi
            echo "sudo stand-in: only -n systemctl is allowed; got: $*" >&2
            exit 1
            """);
    }

    private void WriteScript(string name, string text)
    {
        var path = Path.Combine(_scripts.Path, name);
        File.WriteAllText(path, text.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private sealed class StandInInventory(IHostShell shell) : IHostInventory
    {
        public IReadOnlyList<IHostShell> GetHosts() => [shell];
    }

    /// <summary>The local process shell under another host name, with systemctl and sudo replaced by the stand-in scripts.</summary>
    private sealed class StandInProgramShell(IHostShell inner, string scriptDirectory) : IHostShell
    {
        public string HostName => FailingUnitEndToEndTests.HostName;

        public Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellationToken = default) =>
            inner.RunAsync(
                request.Program is "systemctl" or "sudo" ? request with { Program = Path.Combine(scriptDirectory, request.Program) } : request,
                cancellationToken);

        public Task<FileReadResult> ReadFileAsync(string path, int maxBytes, CancellationToken cancellationToken = default) =>
            inner.ReadFileAsync(path, maxBytes, cancellationToken);
    }
}
