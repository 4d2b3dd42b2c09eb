using Bunit;
using MudBlazor.Services;

namespace Macha.Tests.Components;

/// <summary>The bUnit context every component test derives from: MudBlazor services and loose JS interop.</summary>
/// <remarks>
/// MudBlazor registers services that can only be disposed asynchronously, so the context is disposed
/// through <see cref="IAsyncLifetime"/>; a synchronous dispose afterwards finds nothing left to do.
/// </remarks>
public abstract class MachaBunitContext : BunitContext, IAsyncLifetime
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

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public new virtual async Task DisposeAsync() => await base.DisposeAsync();
}
