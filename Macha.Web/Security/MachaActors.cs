using System.Security.Claims;

namespace Macha.Web.Security;

/// <summary>The actor recorded in approvals and the audit files for an authenticated request.</summary>
public static class MachaActors
{
    /// <summary>Returns the user name, token:NAME for an API token, or local for open access on loopback.</summary>
    public static string Of(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name }
            ? name
            : throw new InvalidOperationException("The request is not authenticated; the endpoint must require a policy before recording an actor.");
    }
}
