using System.Text.Json.Nodes;
using Macha.Core.Actions;
using Macha.Core.Actions.Autonomy;
using Macha.Tests.Approvals;
using Macha.Tests.Cycle;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Actions.Autonomy;

public sealed class AutonomySwitchTests
{
    private static readonly Dictionary<string, string?> AutoSafe = new() { ["Macha:Actions:AutonomyLevel"] = "AutoSafe" };

    private readonly FakeTimeProvider _time = new(ApprovalTestData.Start);

    [Fact]
    public async Task GetState_NeverPaused_EffectiveIsConfigured()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time, AutoSafe);

        var state = await harness.Get<AutonomySwitch>().GetStateAsync();

        Assert.False(state.Paused);
        Assert.Equal(AutonomyLevel.AutoSafe, state.ConfiguredLevel);
        Assert.Equal(AutonomyLevel.AutoSafe, state.EffectiveLevel);
        Assert.Null(state.PausedBy);
    }

    [Fact]
    public async Task Pause_Running_StoresWhoWhenWhy()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time, AutoSafe);

        var result = await harness.Get<AutonomySwitch>().PauseAsync("alice", "  disk migration tonight  ");

        Assert.True(result.Changed);
        Assert.True(result.State.Paused);
        Assert.Equal(AutonomyLevel.Observe, result.State.EffectiveLevel);
        Assert.Equal(AutonomyLevel.AutoSafe, result.State.ConfiguredLevel);
        Assert.Equal("alice", result.State.PausedBy);
        Assert.Equal(ApprovalTestData.Start, result.State.PausedAt);
        Assert.Equal("disk migration tonight", result.State.Reason);
    }

    [Fact]
    public async Task Pause_SurvivesRestartOnTheSameDatabase()
    {
        var settings = new Dictionary<string, string?>(AutoSafe);
        await using var before = await ApprovalTestData.StartAsync(_time, settings);
        await before.Get<AutonomySwitch>().PauseAsync("alice", "maintenance");
        settings["Macha:DataDirectory"] = before.DataDirectory;

        await using var after = await ApprovalTestData.StartAsync(_time, settings);
        var state = await after.Get<AutonomySwitch>().GetStateAsync();

        Assert.True(state.Paused);
        Assert.Equal(AutonomyLevel.Observe, state.EffectiveLevel);
        Assert.Equal("alice", state.PausedBy);
        Assert.Equal("maintenance", state.Reason);
    }

    [Fact]
    public async Task Pause_AlreadyPaused_KeepsTheFirstPause()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var autonomy = harness.Get<AutonomySwitch>();
        await autonomy.PauseAsync("alice", "first");
        _time.Advance(TimeSpan.FromMinutes(5));

        var second = await autonomy.PauseAsync("bob", "second");

        Assert.False(second.Changed);
        Assert.Equal("alice", second.State.PausedBy);
        Assert.Equal("first", second.State.Reason);
        Assert.Equal(ApprovalTestData.Start, second.State.PausedAt);
        Assert.Single(ReadDecisionLines(harness), line => (string?)line["type"] == "autonomy.paused");
    }

    [Fact]
    public async Task Resume_Paused_RestoresConfiguredLevel()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time, AutoSafe);
        var autonomy = harness.Get<AutonomySwitch>();
        await autonomy.PauseAsync("alice", null);

        var result = await autonomy.ResumeAsync("bob");

        Assert.True(result.Changed);
        Assert.False(result.State.Paused);
        Assert.Equal(AutonomyLevel.AutoSafe, result.State.EffectiveLevel);
        Assert.Null(result.State.PausedBy);
        Assert.Null(result.State.Reason);
    }

    [Fact]
    public async Task Resume_NotPaused_ChangesNothing()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);

        var result = await harness.Get<AutonomySwitch>().ResumeAsync("bob");

        Assert.False(result.Changed);
        Assert.Empty(ReadDecisionLines(harness));
    }

    [Fact]
    public async Task PauseAndResume_WriteDecisionLines()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time, AutoSafe);
        var autonomy = harness.Get<AutonomySwitch>();

        await autonomy.PauseAsync("alice", "maintenance");
        await autonomy.ResumeAsync("bob");

        var lines = ReadDecisionLines(harness);
        Assert.Equal(["autonomy.paused", "autonomy.resumed"], lines.Select(line => (string?)line["type"]));
        Assert.Equal("alice", (string?)lines[0]["actor"]);
        Assert.Equal("maintenance", (string?)lines[0]["data"]!["reason"]);
        Assert.Equal("Observe", (string?)lines[0]["data"]!["effective_level"]);
        Assert.Equal("bob", (string?)lines[1]["actor"]);
        Assert.Equal("AutoSafe", (string?)lines[1]["data"]!["effective_level"]);
        Assert.Equal("alice", (string?)lines[1]["data"]!["paused_by"]);
        Assert.Equal("maintenance", (string?)lines[1]["data"]!["reason"]);
    }

    [Fact]
    public async Task PauseAndResume_PublishEvents()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);
        var events = harness.Get<AutonomyEvents>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new List<AutonomyChanged>();
        var reader = Task.Run(async () =>
        {
            await foreach (var change in events.SubscribeAsync(stop.Token))
            {
                received.Add(change);
                if (received.Count == 2)
                {
                    return;
                }
            }
        });
        while (events.SubscriberCount == 0)
        {
            await Task.Delay(10);
        }

        await harness.Get<AutonomySwitch>().PauseAsync("alice", "why");
        await harness.Get<AutonomySwitch>().ResumeAsync("bob");
        await reader;

        Assert.True(received[0].Paused);
        Assert.Equal("alice", received[0].Actor);
        Assert.Equal("why", received[0].State.Reason);
        Assert.False(received[1].Paused);
        Assert.Equal("bob", received[1].Actor);
    }

    [Fact]
    public async Task Pause_ReasonTooLong_Throws()
    {
        await using var harness = await ApprovalTestData.StartAsync(_time);

        await Assert.ThrowsAsync<ArgumentException>(() => harness.Get<AutonomySwitch>().PauseAsync("alice", new string('x', AutonomySwitch.MaxReasonLength + 1)));

        Assert.False((await harness.Get<AutonomySwitch>().GetStateAsync()).Paused);
    }

    private static List<JsonNode> ReadDecisionLines(CycleHarness harness)
    {
        var path = Path.Combine(harness.DataDirectory, "decisions.jsonl");
        return File.Exists(path) ? [.. File.ReadAllLines(path).Select(line => JsonNode.Parse(line)!)] : [];
    }
}
