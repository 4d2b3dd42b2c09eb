using Macha.Core.Cycle;
using Macha.Core.Storage;
using Quartz;

namespace Macha.Web.Jobs;

/// <summary>Starts a health cycle now, for the API and the dashboard.</summary>
public interface ICycleLauncher
{
    /// <summary>Queues a run and returns its id; the run starts at once or after the one in progress.</summary>
    Task<Guid> StartAsync(CancellationToken cancellationToken = default);
}

internal sealed class CycleLauncher(HealthCycle cycle, ISchedulerFactory schedulers) : ICycleLauncher
{
    // The job never runs concurrently with itself, so a trigger fired during a run waits for it.
    public async Task<Guid> StartAsync(CancellationToken cancellationToken = default)
    {
        var runId = await cycle.QueueAsync(CycleTrigger.Manual, cancellationToken);
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var data = new JobDataMap { [HealthCycleJob.RunIdKey] = runId.ToString() };
        await scheduler.TriggerJob(HealthCycleJob.Key, data, cancellationToken);
        return runId;
    }
}
