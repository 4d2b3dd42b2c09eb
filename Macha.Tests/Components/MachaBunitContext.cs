using Bunit;
using MudBlazor.Services;

namespace Macha.Tests.Components;

/// <summary>The bUnit context every component test derives from: MudBlazor services and loose JS interop.</summary>
public abstract class MachaBunitContext : BunitContext
{
    static MachaBunitContext()
    {
        // CI machines have two cores and run test assemblies in parallel; the default second is too short.
        DefaultWaitTimeout = TimeSpan.FromSeconds(15);
    }

    protected MachaBunitContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
    }
}
