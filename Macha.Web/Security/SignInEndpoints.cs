using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace Macha.Web.Security;

/// <summary>The sign-in form, its post and sign-out, for people using the dashboard.</summary>
internal static class SignInEndpoints
{
    public const string SignInPath = "/signin";
    public const string SignOutPath = "/signout";
    public const string RateLimiterPolicy = "signin";

    /// <summary>The claim that carries <see cref="UserEntry.Stamp"/>, so a changed password ends older sessions.</summary>
    public const string StampClaim = "macha:stamp";

    private const string HtmlContentType = "text/html; charset=utf-8";

    public static IEndpointRouteBuilder MapMachaSignIn(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(SignInPath, ShowForm).AllowAnonymous().ExcludeFromDescription();
        endpoints.MapPost(SignInPath, SignInAsync).AllowAnonymous().RequireRateLimiting(RateLimiterPolicy).ExcludeFromDescription();
        endpoints.MapPost(SignOutPath, SignOutAsync).AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }

    private static IResult ShowForm(HttpContext context, IAntiforgery antiforgery, AccessMode access, [FromQuery] string? returnUrl)
    {
        var target = ReturnUrls.Sanitize(returnUrl);
        if (access.IsOpen)
        {
            return TypedResults.LocalRedirect(target);
        }

        var tokens = antiforgery.GetAndStoreTokens(context);
        return TypedResults.Content(SignInPage.Render(tokens, target, message: null), HtmlContentType);
    }

    private static async Task<IResult> SignInAsync(
        HttpContext context,
        IAntiforgery antiforgery,
        AccessMode access,
        CredentialStore credentials,
        ILoggerFactory loggerFactory,
        [FromForm] string? userName,
        [FromForm] string? password,
        [FromForm] string? returnUrl)
    {
        var target = ReturnUrls.Sanitize(returnUrl);
        if (access.IsOpen)
        {
            return TypedResults.LocalRedirect(target);
        }

        var logger = loggerFactory.CreateLogger(typeof(SignInEndpoints));
        var address = ClientAddress.Of(context);
        var name = userName?.Trim() ?? string.Empty;
        var user = name.Length == 0 || string.IsNullOrEmpty(password) ? null : credentials.VerifyPassword(name, password);
        if (user is null)
        {
            if (credentials.Users.Find(name) is not null)
            {
                CredentialLog.WrongPassword(logger, name, address);
            }
            else
            {
                CredentialLog.UnknownUser(logger, address);
            }

            var tokens = antiforgery.GetAndStoreTokens(context);
            var message = credentials.HasUsersFile
                ? "The user name or the password is wrong."
                : "Sign-in with a password is not set up: Macha has API tokens but no users file (Macha:Authentication:UsersFile).";
            return TypedResults.Content(SignInPage.Render(tokens, target, message, name), HtmlContentType, statusCode: StatusCodes.Status401Unauthorized);
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, user.Name),
                new Claim(StampClaim, user.Stamp),
                new Claim(MachaClaims.Scope, MachaPolicies.Read),
                new Claim(MachaClaims.Scope, MachaPolicies.Operate),
            ],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await context.SignInAsync(
            CookieAuthenticationDefaults.AuthenticationScheme,
            new ClaimsPrincipal(identity),
            new AuthenticationProperties { IsPersistent = true });
        CredentialLog.SignedIn(logger, user.Name, address);
        return TypedResults.LocalRedirect(target);
    }

    private static async Task<IResult> SignOutAsync(HttpContext context, IAntiforgery antiforgery, ILoggerFactory loggerFactory)
    {
        // A post with no form field skips the automatic antiforgery check of form binding, so check here.
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.Content(
                SignInPage.RenderMessage("Sign-out failed", "The form was missing its antiforgery token or it expired. Reload the page and sign out again."),
                HtmlContentType,
                statusCode: StatusCodes.Status400BadRequest);
        }

        var result = await context.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        if (result.Principal?.Identity?.Name is { } name)
        {
            var logger = loggerFactory.CreateLogger(typeof(SignInEndpoints));
            CredentialLog.SignedOut(logger, name);
        }

        return TypedResults.LocalRedirect(SignInPath);
    }
}
