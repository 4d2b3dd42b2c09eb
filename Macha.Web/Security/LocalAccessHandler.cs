using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Macha.Web.Security;

/// <summary>
/// Signs every request in as the local operator, with both scopes. It is the scheme only when no
/// users and no tokens are configured and Macha listens on loopback alone, so a local run stays open.
/// </summary>
internal sealed class LocalAccessHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "MachaLocal";

    /// <summary>The name of the open-mode principal, and so the actor its decisions are recorded under.</summary>
    public const string UserName = "local";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, UserName),
                new Claim(MachaClaims.Scope, MachaPolicies.Read),
                new Claim(MachaClaims.Scope, MachaPolicies.Operate),
            ],
            SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
