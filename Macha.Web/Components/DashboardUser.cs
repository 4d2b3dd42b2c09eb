using System.Security.Claims;
using Macha.Web.Security;

namespace Macha.Web.Components;

/// <summary>Who is using the dashboard, as the sign-in scheme named them, and what they may do.</summary>
internal static class DashboardUser
{
    /// <summary>The actor recorded for a decision made on the dashboard by a principal without a name.</summary>
    public const string UnnamedActor = "dashboard";

    public static string ActorOf(ClaimsPrincipal? user) =>
        user?.Identity?.Name is { Length: > 0 } name ? name : UnnamedActor;

    /// <summary>Whether the user may approve, reject or ask the model: the Operate scope of <see cref="MachaPolicies"/>.</summary>
    public static bool CanOperate(ClaimsPrincipal? user) =>
        user?.Identity?.IsAuthenticated == true && user.HasClaim(MachaClaims.Scope, MachaPolicies.Operate);
}
