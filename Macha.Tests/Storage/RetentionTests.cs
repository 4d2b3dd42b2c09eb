using Macha.Core.Configuration;
using Macha.Core.Monitoring;
using Macha.Core.Storage;
using Macha.Tests.Cycle;
using Macha.Tests.Detection;
using Macha.Tests.Fakes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Storage;

public sealed class RetentionTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private readonly TestDataDirectory _data = new();
    private readonly FakeTimeProvider _time = new(Now);

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task ApplyRetention_MoreFilesThanTheCount_KeepsTheNewest()
    {
        var store = CreateStore(new MachaOptions { DataDirectory = _data.Path, SnapshotFilesMaxCount = 3 });
        for (var minutes = 0; minutes < 5; minutes++)
        {
            await store.WriteAsync(Snapshot(Now.AddMinutes(-minutes)));
        }

        var deleted = store.ApplyRetention("web-1");

        Assert.Equal(2, deleted);
        var kept = Directory.GetFiles(store.DirectoryFor("web-1")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["snapshot_20261204T115800000Z.json", "snapshot_20261204T115900000Z.json", "snapshot_20261204T120000000Z.json"], kept);
    }

    [Fact]
    public async Task WriteAsync_TwoSnapshotsInOneMillisecond_KeepsBoth()
    {
        var store = CreateStore(new MachaOptions { DataDirectory = _data.Path });

        var first = await store.WriteAsync(Snapshot(Now));
        var second = await store.WriteAsync(Snapshot(Now));

        Assert.NotEqual(first, second);
        Assert.Equal(2, Directory.GetFiles(store.DirectoryFor("web-1")).Length);
    }

    [Fact]
    public async Task ApplyRetention_FileNamedInWholeSeconds_IsStillAgedOut()
    {
        var store = CreateStore(new MachaOptions { DataDirectory = _data.Path, RetentionAge = TimeSpan.FromDays(1) });
        await store.WriteAsync(Snapshot(Now));
        var old = Path.Combine(store.DirectoryFor("web-1"), "snapshot_20261201T120000Z.json");
        await File.WriteAllTextAsync(old, "{}");

        var deleted = store.ApplyRetention("web-1");

        Assert.Equal(1, deleted);
        Assert.False(File.Exists(old));
    }

    [Fact]
    public async Task ApplyRetention_FilesOlderThanTheAge_AreDeleted()
    {
        var store = CreateStore(new MachaOptions { DataDirectory = _data.Path, RetentionAge = TimeSpan.FromDays(1) });
        await store.WriteAsync(Snapshot(Now.AddHours(-23)));
        await store.WriteAsync(Snapshot(Now.AddHours(-25)));

        var deleted = store.ApplyRetention("web-1");

        Assert.Equal(1, deleted);
        Assert.Single(Directory.GetFiles(store.DirectoryFor("web-1")));
    }

    [Fact]
    public async Task ApplyRetention_OtherFilesInTheDirectory_AreLeftAlone()
    {
        var store = CreateStore(new MachaOptions { DataDirectory = _data.Path, SnapshotFilesMaxCount = 1 });
        await store.WriteAsync(Snapshot(Now));
        var notes = Path.Combine(store.DirectoryFor("web-1"), "notes.txt");
        await File.WriteAllTextAsync(notes, "kept");

        store.ApplyRetention("web-1");

        Assert.True(File.Exists(notes));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("..")]
    [InlineData("a/b")]
    public void DirectoryFor_HostNameWithPathCharacters_StaysInsideTheSnapshotDirectory(string hostName)
    {
        var store = CreateStore(new MachaOptions { DataDirectory = _data.Path });

        var directory = Path.GetFullPath(store.DirectoryFor(hostName));

        Assert.StartsWith(Path.Combine(_data.Path, "snapshots") + Path.DirectorySeparatorChar, directory, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyAsync_RowsOlderThanTheAge_AreDeletedAndNewerKept()
    {
        var settings = new Dictionary<string, string?> { ["Macha:RetentionAge"] = "1.00:00:00" };
        await using var harness = await CycleHarness.StartAsync([new WorkingCollector()], settings: settings);
        await using (var db = harness.OpenDatabase())
        {
            var oldRun = Guid.NewGuid();
            var newRun = Guid.NewGuid();
            db.CycleRuns.AddRange(
                new CycleRunRecord { Id = oldRun, RequestedAt = DateTimeOffset.UtcNow.AddDays(-2), State = CycleState.Completed },
                new CycleRunRecord { Id = newRun, RequestedAt = DateTimeOffset.UtcNow.AddHours(-1), State = CycleState.Completed });
            db.Snapshots.AddRange(
                new SnapshotRecord { CycleRunId = oldRun, HostName = "web-1", TakenAt = DateTimeOffset.UtcNow.AddDays(-2), Json = "{}" },
                new SnapshotRecord { CycleRunId = newRun, HostName = "web-1", TakenAt = DateTimeOffset.UtcNow.AddHours(-1), Json = "{}" });
            await db.SaveChangesAsync();
        }

        await harness.Get<RetentionService>().ApplyAsync(["web-1"]);

        await using var check = harness.OpenDatabase();
        Assert.Single(await check.CycleRuns.ToListAsync());
        var snapshot = Assert.Single(await check.Snapshots.ToListAsync());
        Assert.True(snapshot.TakenAt > DateTimeOffset.UtcNow.AddDays(-1));
    }

    private SnapshotFileStore CreateStore(MachaOptions options) =>
        new(new TestOptionsMonitor<MachaOptions>(options), _time, NullLogger<SnapshotFileStore>.Instance);

    private static HostSnapshot Snapshot(DateTimeOffset takenAt) => new() { HostName = "web-1", TakenAt = takenAt };
}
