using Macha.Core.Configuration;
using Macha.Core.Hosts;
using Microsoft.Extensions.Options;
using Quartz;

namespace Macha.Web.Jobs;

internal static class SchedulingServiceCollectionExtensions
{
    public static IServiceCollection AddMachaScheduling(this IServiceCollection services)
    {
        services.AddQuartz(quartz =>
        {
            quartz.AddJob<HealthCycleJob>(job => job
                .WithIdentity(HealthCycleJob.Key)
                .StoreDurably()
                .DisallowConcurrentExecution());

            // The trigger reads the validated CheckInterval, so a bad value fails start with its own message.
            // Every schedule runs a missed firing at once. By default Quartz moves a firing over a minute
            // late to the next interval, which can put off the first cycle after a slow start.
            quartz.AddTrigger<HealthCycleJob>((provider, trigger) => trigger
                .WithIdentity(new TriggerKey("health-cycle-schedule", "macha"))
                .ForJob(HealthCycleJob.Key)
                .StartNow()
                .WithSimpleSchedule(schedule => schedule
                    .WithInterval(provider.GetRequiredService<IOptions<MachaOptions>>().Value.CheckInterval)
                    .RepeatForever()
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NowWithExistingCount)));

            quartz.AddJob<ApprovalExpiryJob>(job => job
                .WithIdentity(ApprovalExpiryJob.Key)
                .StoreDurably()
                .DisallowConcurrentExecution());
            quartz.AddTrigger(trigger => trigger
                .WithIdentity(new TriggerKey("approval-expiry-schedule", "macha"))
                .ForJob(ApprovalExpiryJob.Key)
                .StartNow()
                .WithSimpleSchedule(schedule => schedule
                    .WithInterval(ApprovalExpiryJob.Interval)
                    .RepeatForever()
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NowWithExistingCount)));

            // Runs even when no discovery source is set; the job then returns at once.
            quartz.AddJob<HostDiscoveryJob>(job => job
                .WithIdentity(HostDiscoveryJob.Key)
                .StoreDurably()
                .DisallowConcurrentExecution());
            quartz.AddTrigger<HostDiscoveryJob>((provider, trigger) => trigger
                .WithIdentity(new TriggerKey("host-discovery-schedule", "macha"))
                .ForJob(HostDiscoveryJob.Key)
                .StartNow()
                .WithSimpleSchedule(schedule => schedule
                    .WithInterval(provider.GetRequiredService<IOptions<HostsOptions>>().Value.Discovery.Interval)
                    .RepeatForever()
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NowWithExistingCount)));
        });

        services.AddQuartzHostedService(options => options.WaitForJobsToComplete = true);
        services.AddSingleton<ICycleLauncher, CycleLauncher>();
        return services;
    }
}
