using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;

namespace Macha.Web.Security;

/// <summary>The outcome of an Operate check in a component: the actor to record, or why the operation is denied.</summary>
public sealed record OperatorCheck(bool IsAllowed, string Actor, string? DenialReason)
{
    internal static OperatorCheck Allowed(string actor) => new(IsAllowed: true, actor, DenialReason: null);

    internal static OperatorCheck Denied(string reason) => new(IsAllowed: false, Actor: string.Empty, reason);
}

/// <summary>
/// Checks the Operate policy on the server before a component approves, rejects, pauses or starts a
/// cycle. Hiding a button is not enough, because a Blazor circuit accepts any event its markup ever
/// rendered a handler for.
/// </summary>
public sealed class OperatorAccess(AuthenticationStateProvider authentication, IAuthorizationService authorization)
{
    /// <summary>Returns whether the circuit's user may operate, and the actor to record: the user name, token:NAME or local.</summary>
    public async Task<OperatorCheck> CheckAsync()
    {
        var state = await authentication.GetAuthenticationStateAsync();
        var user = state.User;
        var result = await authorization.AuthorizeAsync(user, resource: null, MachaPolicies.Operate);
        if (!result.Succeeded)
        {
            return OperatorCheck.Denied(user.Identity?.IsAuthenticated == true
                ? "Your account may only read; this needs the operate scope."
                : "Sign in to do this.");
        }

        return user.Identity?.Name is { Length: > 0 } name
            ? OperatorCheck.Allowed(name)
            : OperatorCheck.Denied("Your sign-in carries no user name; sign in again.");
    }
}
