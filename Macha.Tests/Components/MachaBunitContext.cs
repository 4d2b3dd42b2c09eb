using Bunit;
using Bunit.TestDoubles;
using Macha.Web.Security;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Macha.Tests.Components;

/// <summary>
/// The bUnit context every component test derives from: MudBlazor services, loose JS interop, and a
/// signed-in user allowed both policies, which a test can narrow through <see cref="Authorization"/>.
/// </summary>
/// <remarks>
/// MudBlazor registers services that can only be disposed asynchronously, so the context is disposed
/// through <see cref="IAsyncLifetime"/>; a synchronous dispose afterwards finds nothing left to do.
/// </remarks>
public abstract class MachaBunitContext : BunitContext, IAsyncLifetime
{
    static MachaBunitContext()
    {
        // An upper bound only, because a wait ends as soon as its condition holds. A loaded two-core
        // machine can take many seconds to run a render and its queries, and bUnit's default is one second.
        DefaultWaitTimeout = TimeSpan.FromSeconds(60);
    }

    protected MachaBunitContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Authorization = AddAuthorization();
        Authorization.SetAuthorized("alice");
        Authorization.SetPolicies(MachaPolicies.Read, MachaPolicies.Operate);
        Services.AddScoped<OperatorAccess>();
    }

    protected BunitAuthorizationContext Authorization { get; }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public new virtual async Task DisposeAsync() => await base.DisposeAsync();
}
