using Macha.Tests.Fakes;
using Macha.Web.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Macha.Tests.Jobs;

public sealed class ApprovalExpiryJobTests : IClassFixture<MachaWebFactory>
{
    private readonly MachaWebFactory _factory;

    public ApprovalExpiryJobTests(MachaWebFactory factory)
    {
        _factory = factory;
    }

    [Fact]
    public async Task Scheduler_AtStart_RunsExpiryEveryMinute()
    {
        var scheduler = await _factory.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();

        var triggers = await scheduler.GetTriggersOfJob(ApprovalExpiryJob.Key);

        var trigger = Assert.IsAssignableFrom<ISimpleTrigger>(Assert.Single(triggers));
        Assert.Equal(TimeSpan.FromMinutes(1), trigger.RepeatInterval);
    }

    [Theory]
    [InlineData("health-cycle-schedule")]
    [InlineData("approval-expiry-schedule")]
    [InlineData("host-discovery-schedule")]
    public async Task Scheduler_MissedFiring_RunsAtOnce(string triggerName)
    {
        var scheduler = await _factory.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();

        var trigger = Assert.IsAssignableFrom<ISimpleTrigger>(await scheduler.GetTrigger(new TriggerKey(triggerName, "macha")));

        Assert.Equal(SimpleTriggerMisfireInstruction.NowWithExistingCount, trigger.MisfireInstruction);
    }
}
