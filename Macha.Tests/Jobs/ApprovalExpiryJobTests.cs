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
}
