using Macha.Core.Actions;
using Microsoft.Extensions.Time.Testing;
using static Macha.Tests.Actions.ActionTestData;

namespace Macha.Tests.Actions;

public sealed class ActionRateLimiterTests
{
    private static readonly ActionDecision Execute = new(ActionOutcome.Execute, ActionRisk.Low, "Autonomy level AutoSafe runs Low actions without approval.");

    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Apply_RestartsWithinLimit_Execute()
    {
        var limiter = Limiter();

        var outcomes = Enumerable.Range(0, 3).Select(_ => limiter.Apply(Restart(), Execute).Outcome).ToList();

        Assert.All(outcomes, outcome => Assert.Equal(ActionOutcome.Execute, outcome));
    }

    [Fact]
    public void Apply_RestartOverLimit_EscalatesToApproval()
    {
        var limiter = Limiter();
        RestartTimes(limiter, 3);

        var decision = limiter.Apply(Restart(), Execute);

        Assert.Equal(ActionOutcome.AwaitApproval, decision.Outcome);
        Assert.StartsWith("rate limited: escalated", decision.Reason, StringComparison.Ordinal);
        Assert.Equal(ActionRisk.Low, decision.Risk);
    }

    [Fact]
    public void Apply_JustBeforeWindowEnds_StillEscalates()
    {
        var limiter = Limiter();
        RestartTimes(limiter, 3);
        time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromTicks(1));

        var decision = limiter.Apply(Restart(), Execute);

        Assert.Equal(ActionOutcome.AwaitApproval, decision.Outcome);
    }

    [Fact]
    public void Apply_ExactlyAtWindowEnd_ExecutesAgain()
    {
        var limiter = Limiter();
        RestartTimes(limiter, 3);
        time.Advance(TimeSpan.FromHours(1));

        var decision = limiter.Apply(Restart(), Execute);

        Assert.Equal(ActionOutcome.Execute, decision.Outcome);
    }

    [Fact]
    public void Apply_WindowSlides_OnlyOldestRestartExpires()
    {
        var limiter = Limiter();
        limiter.Apply(Restart(), Execute);
        time.Advance(TimeSpan.FromMinutes(30));
        RestartTimes(limiter, 2);
        time.Advance(TimeSpan.FromMinutes(30));

        var first = limiter.Apply(Restart(), Execute);
        var second = limiter.Apply(Restart(), Execute);

        Assert.Equal(ActionOutcome.Execute, first.Outcome);
        Assert.Equal(ActionOutcome.AwaitApproval, second.Outcome);
    }

    [Fact]
    public void Apply_EscalatedRestart_IsNotCounted()
    {
        var limiter = Limiter(options => options.RestartLimitPerUnit = 1);
        limiter.Apply(Restart(), Execute);
        time.Advance(TimeSpan.FromMinutes(59));
        limiter.Apply(Restart(), Execute);
        time.Advance(TimeSpan.FromMinutes(1));

        var decision = limiter.Apply(Restart(), Execute);

        Assert.Equal(ActionOutcome.Execute, decision.Outcome);
    }

    [Fact]
    public void Apply_OtherUnitOrHost_HasItsOwnLimit()
    {
        var limiter = Limiter();
        RestartTimes(limiter, 3);

        var otherUnit = limiter.Apply(Restart("php-fpm.service"), Execute);
        var otherHost = limiter.Apply(new RestartUnit(Context("web-2"), "nginx.service"), Execute);

        Assert.Equal(ActionOutcome.Execute, otherUnit.Outcome);
        Assert.Equal(ActionOutcome.Execute, otherHost.Outcome);
    }

    [Fact]
    public void Apply_ConfiguredWindow_IsUsed()
    {
        var limiter = Limiter(options => options.RestartWindow = TimeSpan.FromMinutes(10));
        RestartTimes(limiter, 3);
        time.Advance(TimeSpan.FromMinutes(10));

        var decision = limiter.Apply(Restart(), Execute);

        Assert.Equal(ActionOutcome.Execute, decision.Outcome);
    }

    [Fact]
    public void Apply_GlobalCapReached_EscalatesAnyKind()
    {
        var limiter = Limiter(options => options.MaxAutomaticActionsPerHour = 2);
        limiter.Apply(Restart("a.service"), Execute);
        limiter.Apply(Restart("b.service"), Execute);

        var decision = limiter.Apply(new CollectNixGarbage(Context(), 14), Execute);

        Assert.Equal(ActionOutcome.AwaitApproval, decision.Outcome);
        Assert.Contains("MaxAutomaticActionsPerHour", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_GlobalCapAfterOneHour_ExecutesAgain()
    {
        var limiter = Limiter(options => options.MaxAutomaticActionsPerHour = 1);
        limiter.Apply(new CollectNixGarbage(Context(), 14), Execute);
        time.Advance(TimeSpan.FromHours(1));

        var decision = limiter.Apply(new CollectNixGarbage(Context(), 14), Execute);

        Assert.Equal(ActionOutcome.Execute, decision.Outcome);
    }

    [Fact]
    public void Apply_ReadOnlyDiagnostics_AreNotLimited()
    {
        var limiter = Limiter(options => options.MaxAutomaticActionsPerHour = 0);
        var readOnly = Execute with { Risk = ActionRisk.ReadOnly };

        var decision = limiter.Apply(new RunDiagnostic(Context(), "disk_usage"), readOnly);

        Assert.Equal(ActionOutcome.Execute, decision.Outcome);
    }

    [Theory]
    [InlineData(ActionOutcome.AwaitApproval)]
    [InlineData(ActionOutcome.RecordOnly)]
    [InlineData(ActionOutcome.Refuse)]
    public void Apply_NotExecute_PassesThroughUncounted(ActionOutcome outcome)
    {
        var limiter = Limiter(options => options.RestartLimitPerUnit = 1);
        var decision = Execute with { Outcome = outcome };

        var passed = limiter.Apply(Restart(), decision);
        var next = limiter.Apply(Restart(), Execute);

        Assert.Same(decision, passed);
        Assert.Equal(ActionOutcome.Execute, next.Outcome);
    }

    [Fact]
    public async Task Apply_ConcurrentRestarts_ExecuteAtMostLimit()
    {
        var limiter = Limiter();

        var decisions = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => limiter.Apply(Restart(), Execute))));

        Assert.Equal(3, decisions.Count(decision => decision.Outcome == ActionOutcome.Execute));
    }

    [Fact]
    public void IsDuplicate_IdenticalRequestPending_IsTrue()
    {
        var pending = new HashSet<string>(StringComparer.Ordinal) { Restart().DedupKey };

        Assert.True(ActionRateLimiter.IsDuplicate(Restart(), pending));
    }

    [Fact]
    public void IsDuplicate_OtherUnitPending_IsFalse()
    {
        var pending = new HashSet<string>(StringComparer.Ordinal) { Restart("php-fpm.service").DedupKey };

        Assert.False(ActionRateLimiter.IsDuplicate(Restart(), pending));
    }

    private static RestartUnit Restart(string unit = "nginx.service") => new(Context(), unit);

    private ActionRateLimiter Limiter(Action<ActionOptions>? configure = null) => new(Options(configure), time);

    private static void RestartTimes(ActionRateLimiter limiter, int count)
    {
        for (var i = 0; i < count; i++)
        {
            limiter.Apply(Restart(), Execute);
        }
    }
}
