using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace Macha.Web.Security;

/// <summary>
/// Checks the signed-in user of a dashboard circuit against the users file every minute, so a user
/// removed from the file or given a new password loses an open dashboard too, not only new requests.
/// </summary>
internal sealed class MachaAuthenticationStateProvider(ILoggerFactory loggerFactory, CredentialStore credentials)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        var user = authenticationState.User;
        var valid = user.Identity?.AuthenticationType != CookieAuthenticationDefaults.AuthenticationScheme
            || SecurityServiceCollectionExtensions.SessionIsCurrent(user, credentials);
        return Task.FromResult(valid);
    }
}
