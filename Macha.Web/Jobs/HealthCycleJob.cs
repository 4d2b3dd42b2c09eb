using Macha.Core.Cycle;
using Macha.Core.Storage;
using Quartz;

namespace Macha.Web.Jobs;

/// <summary>Runs one health cycle; scheduled every CheckInterval and triggered on demand.</summary>
[DisallowConcurrentExecution]
internal sealed class HealthCycleJob(HealthCycle cycle) : IJob
{
    public static readonly JobKey Key = new("health-cycle", "macha");

    /// <summary>Job data key for the id of a run queued by the API or the dashboard.</summary>
    public const string RunIdKey = "runId";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var queued = context.MergedJobDataMap.TryGetString(RunIdKey, out var text) && Guid.TryParse(text, out var id)
            ? id
            : (Guid?)null;
        var trigger = queued is null ? CycleTrigger.Scheduled : CycleTrigger.Manual;
        await cycle.RunAsync(trigger, queued, cancellationToken);
    }
}
