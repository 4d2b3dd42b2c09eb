using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Macha.Web.Security;

/// <summary>Registers Macha's authentication schemes, its two authorization policies and the sign-in rate limit.</summary>
internal static class SecurityServiceCollectionExtensions
{
    private const string SelectorScheme = "Macha";
    private const string ApiPathPrefix = "/api";

    /// <summary>
    /// Registers access control. Throws <see cref="AccessNotConfiguredException"/> when Macha would
    /// listen beyond loopback without users or tokens, before anything listens.
    /// </summary>
    public static WebApplicationBuilder AddMachaSecurity(this WebApplicationBuilder builder)
    {
        var access = AccessMode.Decide(builder.Configuration);
        var services = builder.Services;
        services.AddSingleton(access);
        services.AddOptions<MachaAuthenticationOptions>()
            .Bind(builder.Configuration.GetSection(MachaAuthenticationOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<MachaAuthenticationOptions>, MachaAuthenticationOptionsValidator>();
        services.AddSingleton<CredentialStore>();
        services.AddSingleton<SignInRejectionLog>();
        services.AddMachaForwardedHeaders();

        services.AddAuthentication(SelectorScheme)
            .AddPolicyScheme(SelectorScheme, "Macha", options => options.ForwardDefaultSelector = context => SelectScheme(context, access))
            .AddScheme<AuthenticationSchemeOptions, LocalAccessHandler>(LocalAccessHandler.SchemeName, configureOptions: null)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenHandler>(ApiTokenHandler.SchemeName, configureOptions: null)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme);
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<MachaAuthenticationOptions>>(ConfigureCookie);

        // Operate implies Read, so the Read policy accepts either scope claim.
        services.AddAuthorizationBuilder()
            .AddPolicy(MachaPolicies.Read, policy => policy
                .RequireAuthenticatedUser()
                .RequireClaim(MachaClaims.Scope, MachaPolicies.Read, MachaPolicies.Operate))
            .AddPolicy(MachaPolicies.Operate, policy => policy
                .RequireAuthenticatedUser()
                .RequireClaim(MachaClaims.Scope, MachaPolicies.Operate));

        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(SignInEndpoints.RateLimiterPolicy, SignInPartition);
            options.OnRejected = OnSignInRejectedAsync;
        });

        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, MachaAuthenticationStateProvider>();
        services.AddScoped<OperatorAccess>();
        return builder;
    }

    /// <summary>Reads both credential files, so a missing or malformed one stops Macha before it serves anything.</summary>
    public static WebApplication UseMachaSecurity(this WebApplication app)
    {
        var access = app.Services.GetRequiredService<AccessMode>();
        var credentials = app.Services.GetRequiredService<CredentialStore>();
        credentials.Load();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SecurityServiceCollectionExtensions));
        if (access.IsOpen)
        {
            // Logged once listening, so the line names the bound addresses, such as the real port for port 0.
            app.Lifetime.ApplicationStarted.Register(() =>
            {
                var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
                CredentialLog.OpenAccess(logger, string.Join(", ", bound is { Count: > 0 } ? bound : access.Addresses));
            });
        }
        else
        {
            CredentialLog.AccessSecured(logger, credentials.Users.Count, credentials.Tokens.Count);
            foreach (var address in access.Addresses.Where(url =>
                url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !ListenAddresses.IsLoopbackUrl(url)))
            {
                CredentialLog.PlainHttpOnNetwork(logger, address);
            }
        }

        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>
    /// Picks the scheme of one request. A change through the API is never authenticated by the
    /// dashboard's cookie: another site on the same host name could otherwise make a signed-in
    /// browser send it, because SameSite ignores the port.
    /// </summary>
    private static string SelectScheme(HttpContext context, AccessMode access)
    {
        if (access.IsOpen)
        {
            return LocalAccessHandler.SchemeName;
        }

        if (context.Request.Headers.Authorization.Count > 0)
        {
            return ApiTokenHandler.SchemeName;
        }

        var isApi = context.Request.Path.StartsWithSegments(ApiPathPrefix, StringComparison.OrdinalIgnoreCase);
        var isSafe = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method);
        return isApi && !isSafe ? ApiTokenHandler.SchemeName : CookieAuthenticationDefaults.AuthenticationScheme;
    }

    private static void ConfigureCookie(CookieAuthenticationOptions cookie, IOptions<MachaAuthenticationOptions> settings)
    {
        cookie.Cookie.Name = "macha.session";
        cookie.Cookie.HttpOnly = true;

        // Lax, not Strict: a link opened from a notification must arrive signed in. Changes are
        // protected by antiforgery tokens and by the API's refusal of the cookie for changes.
        cookie.Cookie.SameSite = SameSiteMode.Lax;
        cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        cookie.ExpireTimeSpan = settings.Value.SessionLifetime;
        cookie.SlidingExpiration = true;
        cookie.LoginPath = SignInEndpoints.SignInPath;
        cookie.LogoutPath = SignInEndpoints.SignOutPath;
        cookie.ReturnUrlParameter = "returnUrl";
        // The API and the OpenAPI document are read by scripts, which need a 401 rather than the sign-in page.
        cookie.Events.OnRedirectToLogin = context => IsApi(context.Request) || IsOpenApiDocument(context.Request)
            ? AccessProblems.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "Unauthorized",
                "This request needs credentials: send 'Authorization: Bearer TOKEN' with a token listed in the API tokens file (Macha:Authentication:TokensFile).")
            : RedirectAsync(context);
        cookie.Events.OnRedirectToAccessDenied = context => AccessProblems.WriteForbiddenAsync(context.HttpContext);
        cookie.Events.OnValidatePrincipal = ValidateSessionAsync;
    }

    private static Task RedirectAsync(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(SignInUriFor(context));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Returns the sign-in URI the cookie handler built, except for an unknown address: its 404 runs
    /// again as /status/404, which needs sign-in too, and the handler would return the person to the
    /// status page. The sign-in then returns to the address they asked for, which returns 404.
    /// </summary>
    private static string SignInUriFor(RedirectContext<CookieAuthenticationOptions> context)
    {
        if (context.HttpContext.Features.Get<IStatusCodeReExecuteFeature>() is not { } reExecute)
        {
            return context.RedirectUri;
        }

        var request = context.Request;
        var returnUrl = reExecute.OriginalPathBase + reExecute.OriginalPath + reExecute.OriginalQueryString;
        var signIn = context.Options.LoginPath + QueryString.Create(context.Options.ReturnUrlParameter, returnUrl);
        return $"{request.Scheme}://{request.Host}{request.PathBase}{signIn}";
    }

    private static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments(ApiPathPrefix, StringComparison.OrdinalIgnoreCase);

    private static bool IsOpenApiDocument(HttpRequest request) => request.Path.StartsWithSegments("/openapi", StringComparison.OrdinalIgnoreCase);

    /// <summary>Ends a session whose user left the users file or whose password changed since sign-in.</summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var credentials = context.HttpContext.RequestServices.GetRequiredService<CredentialStore>();
        if (SessionIsCurrent(context.Principal, credentials))
        {
            return;
        }

        var name = context.Principal?.Identity?.Name ?? "unknown";
        var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SignInEndpoints));
        CredentialLog.SessionRevoked(logger, name);
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }

    internal static bool SessionIsCurrent(System.Security.Claims.ClaimsPrincipal? principal, CredentialStore credentials)
    {
        var name = principal?.Identity?.Name;
        var stamp = principal?.FindFirst(SignInEndpoints.StampClaim)?.Value;
        return name is not null && stamp is not null && credentials.Users.Find(name)?.Stamp == stamp;
    }

    private static RateLimitPartition<string> SignInPartition(HttpContext context)
    {
        var settings = context.RequestServices.GetRequiredService<IOptions<MachaAuthenticationOptions>>().Value;
        return RateLimitPartition.GetFixedWindowLimiter(ClientAddress.Of(context), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = settings.SignInAttemptsPerWindow,
            Window = settings.SignInWindow,
            QueueLimit = 0,
        });
    }

    private static async ValueTask OnSignInRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var settings = http.RequestServices.GetRequiredService<IOptions<MachaAuthenticationOptions>>().Value;
        var address = ClientAddress.Of(http);
        if (http.RequestServices.GetRequiredService<SignInRejectionLog>().ShouldLog(address, settings.SignInWindow))
        {
            var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SignInEndpoints));
            CredentialLog.SignInRateLimited(logger, address, settings.SignInAttemptsPerWindow, settings.SignInWindow);
        }

        if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        http.Response.ContentType = "text/html; charset=utf-8";
        await http.Response.WriteAsync(
            SignInPage.RenderMessage(
                "Too many sign-in attempts",
                $"This address made more than {settings.SignInAttemptsPerWindow} sign-in attempts within {settings.SignInWindow}. Wait until that time has passed, then try again."),
            cancellationToken);
    }
}
