using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Macha.Core.Approvals;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Macha.Web.Security;

/// <summary>
/// Authenticates requests that carry <c>Authorization: Bearer TOKEN</c> against the API tokens file.
/// Its challenge and forbid responses are problem details that say what to send.
/// </summary>
internal sealed class ApiTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    CredentialStore credentials)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "MachaToken";

    /// <summary>The claim that names the token, so the actor can be recorded as token:NAME.</summary>
    public const string TokenNameClaim = "macha:token";

    private const string BearerPrefix = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var presented = header[BearerPrefix.Length..].Trim();
        var token = presented.Length == 0 ? null : credentials.Tokens.Find(presented);
        if (token is null)
        {
            CredentialLog.UnknownToken(Logger, Request.Path, ClientAddress.Of(Context));
            return Task.FromResult(AuthenticateResult.Fail("The bearer token matches no configured API token."));
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, ApprovalActors.ApiToken(token.Name)),
            new(TokenNameClaim, token.Name),
        };
        claims.AddRange(token.Scopes.Select(scope => new Claim(MachaClaims.Scope, scope)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.Headers.WWWAuthenticate = new AuthenticationHeaderValue("Bearer", "realm=\"macha\"").ToString();
        var detail = result.Failure is null
            ? "This request needs credentials: send 'Authorization: Bearer TOKEN' with a token listed in the API tokens file (Macha:Authentication:TokensFile). Changes through the API do not accept the dashboard's sign-in cookie."
            : "The bearer token matches no configured API token. It may have been removed from the tokens file, or mistyped; make a new one with 'macha tokens create'.";
        await AccessProblems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Unauthorized", detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        AccessProblems.WriteForbiddenAsync(Context);
}

/// <summary>RFC 7807 responses for a request that lacks credentials or a scope.</summary>
internal static class AccessProblems
{
    public static async Task WriteAsync(HttpContext context, int statusCode, string title, string detail)
    {
        context.Response.StatusCode = statusCode;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = statusCode, Title = title, Detail = detail },
        });
    }

    public static Task WriteForbiddenAsync(HttpContext context)
    {
        var tokenName = context.User.FindFirst(ApiTokenHandler.TokenNameClaim)?.Value;
        var scopes = string.Join(", ", context.User.FindAll(MachaClaims.Scope).Select(claim => claim.Value));
        var detail = tokenName is null
            ? $"You are signed in with the scopes {scopes}, and this request needs the scope {MachaPolicies.Operate}."
            : $"The API token '{tokenName}' has the scopes {scopes}, and this request needs the scope {MachaPolicies.Operate}. Make a token with '--scope {MachaPolicies.Operate}' for changes.";
        return WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden", detail);
    }
}

/// <summary>The client's address for logs and for rate limiting.</summary>
internal static class ClientAddress
{
    public static string Of(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "an in-process client";
}
