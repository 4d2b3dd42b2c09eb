using Macha.Core.Approvals;
using Macha.Tests.Cycle;
using Macha.Tests.Fakes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Approvals;

/// <summary>A valid approval request, and a harness with a migrated SQLite database for the queue.</summary>
internal static class ApprovalTestData
{
    public static readonly DateTimeOffset Start = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    public static ApprovalRequest Request(string dedupKey = "restart-unit:test-host:nginx.service") => new()
    {
        HostName = "test-host",
        ActionKind = "restart-unit",
        Argv = ["sudo", "-n", "systemctl", "restart", "nginx.service"],
        Risk = "Low",
        Reason = "nginx.service failed 3 minutes ago.",
        Diagnosis = "The unit exited with status 1 after a configuration reload.",
        ExpectedEffect = "nginx.service is active again.",
        Undo = "None needed; a restart changes no configuration.",
        DryRunOutput = null,
        IncidentId = Guid.Parse("5b1d3c3e-8f0a-4d7e-9a51-0f3e2b6c9d10"),
        DedupKey = dedupKey,
    };

    /// <param name="time">The clock of every service; null keeps the system clock.</param>
    public static Task<CycleHarness> StartAsync(FakeTimeProvider? time = null, IDictionary<string, string?>? settings = null) =>
        CycleHarness.StartAsync(
            [new WorkingCollector()],
            settings: settings,
            configureServices: time is null ? null : services => services.AddSingleton<TimeProvider>(time));

    /// <summary>Puts an approval straight into <paramref name="state"/>, bypassing the queue, to set up a test.</summary>
    public static async Task ForceStateAsync(CycleHarness harness, Guid id, ApprovalState state, DateTimeOffset? createdAt = null)
    {
        await using var db = harness.OpenDatabase();
        var approval = await db.Approvals.SingleAsync(a => a.Id == id);
        approval.State = state;
        approval.CreatedAt = createdAt ?? approval.CreatedAt;
        await db.SaveChangesAsync();
    }
}
