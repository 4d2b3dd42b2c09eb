using Macha.Core.Hosts;
using Quartz;

namespace Macha.Web.Jobs;

/// <summary>Adds hosts found in the central journal or the NixOS flake as discovered, not trusted; every Macha:Hosts:Discovery:Interval.</summary>
[DisallowConcurrentExecution]
internal sealed class HostDiscoveryJob(HostDiscovery discovery) : IJob
{
    public static readonly JobKey Key = new("host-discovery", "macha");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (discovery.IsConfigured)
        {
            await discovery.RunAsync(cancellationToken);
        }
    }
}
