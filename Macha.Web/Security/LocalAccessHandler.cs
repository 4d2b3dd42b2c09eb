using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Macha.Web.Security;

/// <summary>
/// Signs every request in as the local operator, with both scopes. It is used only when no users and
/// no tokens are configured and every configured listen address is loopback, so a local run stays open.
/// </summary>
internal sealed class LocalAccessHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggerFactory, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "MachaLocal";

    /// <summary>The name of the open-access principal, and so the actor its decisions are recorded under.</summary>
    public const string UserName = "local";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // The start-up check reads the configured addresses, and this check covers a listener added in code.
        // An in-process test server has no local address.
        var local = Context.Connection.LocalIpAddress;
        if (local is not null && !IPAddress.IsLoopback(local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local))
        {
            CredentialLog.OpenAccessOffLoopback(Logger, Request.Path, local.ToString());
            return Task.FromResult(AuthenticateResult.NoResult());
        }

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
