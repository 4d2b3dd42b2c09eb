using Macha.Core.Detection;
using Macha.Core.Incidents;
using Macha.Core.Monitoring;
using Macha.Tests.Cycle;
using Macha.Tests.Fakes;
using Microsoft.EntityFrameworkCore;

namespace Macha.Tests.Incidents;

public sealed class IncidentTrackerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private readonly Finding _rootFull = new("web-1", FindingKind.DiskSpace, "/", Severity.Warning, "/ is 90% full.", "used_percent=90");
    private CycleHarness _harness = default!;
    private int _cycle;

    public async Task InitializeAsync() => _harness = await CycleHarness.StartAsync([new WorkingCollector()]);

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Track_NewFinding_OpensAnIncident()
    {
        var changes = await TrackAsync([_rootFull]);

        var change = Assert.Single(changes);
        Assert.Equal(IncidentChangeKind.Opened, change.Kind);
        var incident = await SingleIncidentAsync();
        Assert.Equal(IncidentState.Open, incident.State);
        Assert.Equal(_rootFull.Fingerprint, incident.Fingerprint);
        Assert.Equal("DiskSpace", incident.Kind);
        Assert.Equal("/", incident.Subject);
        Assert.Equal(1, incident.CyclesSeen);
    }

    [Fact]
    public async Task Track_SameFindingAgain_IsOngoingWithoutAChange()
    {
        await TrackAsync([_rootFull]);

        var changes = await TrackAsync([_rootFull with { Summary = "/ is 90.4% full." }]);

        Assert.Empty(changes);
        var incident = await SingleIncidentAsync();
        Assert.Equal(IncidentState.Ongoing, incident.State);
        Assert.Equal(2, incident.CyclesSeen);
        Assert.Equal("/ is 90.4% full.", incident.Summary);
    }

    [Fact]
    public async Task Track_SeverityRises_ReportsTheChange()
    {
        await TrackAsync([_rootFull]);

        var changes = await TrackAsync([_rootFull with { Severity = Severity.Critical }]);

        var change = Assert.Single(changes);
        Assert.Equal(IncidentChangeKind.SeverityChanged, change.Kind);
        Assert.Contains("Warning to Critical", change.Reason, StringComparison.Ordinal);
        Assert.Equal("Critical", (await SingleIncidentAsync()).Severity);
    }

    [Fact]
    public async Task Track_AbsentForTwoCleanCycles_Resolves()
    {
        await TrackAsync([_rootFull]);

        var afterOne = await TrackAsync([]);
        var afterTwo = await TrackAsync([]);

        Assert.Empty(afterOne);
        Assert.Equal(IncidentChangeKind.Resolved, Assert.Single(afterTwo).Kind);
        var incident = await SingleIncidentAsync();
        Assert.Equal(IncidentState.Resolved, incident.State);
        Assert.NotNull(incident.ResolvedAt);
    }

    [Theory]
    [InlineData(CollectorState.Failed)]
    [InlineData(CollectorState.TimedOut)]
    [InlineData(CollectorState.Unavailable)]
    public async Task Track_AbsentWhileItsCollectorDidNotRun_StaysOpen(CollectorState disksState)
    {
        await TrackAsync([_rootFull]);

        await TrackAsync([], disksState);
        await TrackAsync([], disksState);
        var changes = await TrackAsync([], disksState);

        Assert.Empty(changes);
        var incident = await SingleIncidentAsync();
        Assert.NotEqual(IncidentState.Resolved, incident.State);
        Assert.Equal(0, incident.CleanCycles);
    }

    [Fact]
    public async Task Track_CollectorFailedFindingGone_ResolvesWithoutThatCollector()
    {
        var collectorFailed = new Finding("web-1", FindingKind.CollectorFailed, "disks", Severity.Warning, "The disks collector failed.", "");
        await TrackAsync([collectorFailed], CollectorState.Failed);

        await TrackAsync([]);
        var changes = await TrackAsync([]);

        Assert.Equal(IncidentChangeKind.Resolved, Assert.Single(changes).Kind);
    }

    [Fact]
    public async Task Track_ProblemReturnsAfterResolution_ReopensTheSameIncident()
    {
        await TrackAsync([_rootFull]);
        await TrackAsync([]);
        await TrackAsync([]);
        var resolvedId = (await SingleIncidentAsync()).Id;

        var changes = await TrackAsync([_rootFull]);

        var change = Assert.Single(changes);
        Assert.Equal(IncidentChangeKind.Reopened, change.Kind);
        Assert.Equal(resolvedId, change.IncidentId);
        var incident = await SingleIncidentAsync();
        Assert.Equal(IncidentState.Open, incident.State);
        Assert.Equal(1, incident.ReopenCount);
        Assert.Null(incident.ResolvedAt);
    }

    [Fact]
    public async Task Track_SameProblemOnAnotherHost_IsASeparateIncident()
    {
        await TrackAsync([_rootFull]);

        var changes = await TrackAsync([_rootFull with { HostName = "web-2" }], hostName: "web-2");

        Assert.Equal(IncidentChangeKind.Opened, Assert.Single(changes).Kind);
        await using var db = _harness.OpenDatabase();
        Assert.Equal(2, await db.Incidents.CountAsync());
        Assert.Equal(IncidentState.Open, (await db.Incidents.SingleAsync(i => i.HostName == "web-1")).State);
    }

    private async Task<IReadOnlyList<IncidentChange>> TrackAsync(
        IReadOnlyList<Finding> findings,
        CollectorState disksState = CollectorState.Ok,
        string hostName = "web-1")
    {
        var snapshot = new HostSnapshot { HostName = hostName, TakenAt = Start.AddMinutes(5 * _cycle++) };
        snapshot.Collectors.Add(new CollectorStatus("disks", disksState, null, 1));

        await using var db = _harness.OpenDatabase();
        var changes = await _harness.Get<IncidentTracker>().TrackAsync(db, snapshot, findings);
        await db.SaveChangesAsync();
        return changes;
    }

    private async Task<IncidentRecord> SingleIncidentAsync()
    {
        await using var db = _harness.OpenDatabase();
        return await db.Incidents.SingleAsync(i => i.HostName == "web-1");
    }
}
