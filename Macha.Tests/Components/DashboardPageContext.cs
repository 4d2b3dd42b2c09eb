using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using Macha.Core.Dependencies;
using Macha.Tests.Approvals;
using Macha.Tests.Cycle;
using Macha.Web.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Components;

/// <summary>
/// A bUnit context for the dashboard's pages: Macha's real services on a temporary SQLite database,
/// a fake clock, and a signed-in user with the operate permission unless a test signs in someone else.
/// </summary>
public abstract class DashboardPageContext : MachaBunitContext
{
    private BunitAuthorizationContext _authorization = default!;

    protected FakeTimeProvider Time { get; } = new(ApprovalTestData.Start);

    internal CycleHarness Harness { get; private set; } = default!;

    /// <summary>Settings for the harness, such as enabling analysis; read once, before start.</summary>
    protected virtual IDictionary<string, string?>? Settings => null;

    public override async Task InitializeAsync()
    {
        Harness = await ApprovalTestData.StartAsync(Time, Settings);
        Services.AddSingleton<TimeProvider>(Time);
        Services.AddSingleton(new DependencyStatusService([], Time, NullLogger<DependencyStatusService>.Instance));
        Services.AddFallbackServiceProvider(Harness.Provider);
        _authorization = AddAuthorization();
        SignIn("alice", MachaPolicies.Read, MachaPolicies.Operate);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Harness.DisposeAsync();
    }

    /// <summary>Opens a relative address, so pages read their query-string filters from it.</summary>
    protected void NavigateTo(string relativeUri) =>
        Services.GetRequiredService<NavigationManager>().NavigateTo(relativeUri);

    protected void SignIn(string name, params string[] scopes)
    {
        _authorization.SetAuthorized(name);
        _authorization.SetClaims([.. scopes.Select(scope => new Claim(MachaClaims.Scope, scope))]);
    }
}
