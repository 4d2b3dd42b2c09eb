using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using BadHttpRequestException = Microsoft.AspNetCore.Http.BadHttpRequestException;

namespace Macha.Web.Api;

/// <summary>
/// Makes the errors that happen before an endpoint runs read like the endpoints' own: a query value
/// that does not parse, a body that is not JSON, a URL that is too long, a method the path does not
/// accept. Each becomes an RFC 7807 problem with a title and a detail that names the value.
/// </summary>
internal static partial class ApiErrorHandling
{
    /// <summary>
    /// Longest request target (path and query) the app accepts; longer ones get a 414 problem.
    /// Kestrel's own request-line limit is raised above it, because Kestrel sends its own 414 with
    /// an empty body before any middleware runs.
    /// </summary>
    public const int MaxRequestTargetLength = 8 * 1024;

    /// <summary>Kestrel's request-line limit; a request line longer than this still gets Kestrel's bare 414.</summary>
    public const int KestrelMaxRequestLineSize = 64 * 1024;

    /// <summary>The dashboard page that shows an error status; {0} is the status code.</summary>
    private const string StatusPagePath = "/status/{0}";

    public static IServiceCollection AddMachaApiErrorHandling(this IServiceCollection services)
    {
        // Binding failures throw BadHttpRequestException, which the middleware below turns into a
        // problem; without this, outside Development, they end as a 400 with no body.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<KestrelServerOptions>(options => options.Limits.MaxRequestLineSize = KestrelMaxRequestLineSize);
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // Problems the framework writes (status-code pages) have no detail; give them one.
            var problem = context.ProblemDetails;
            problem.Detail ??= DefaultDetail(context.HttpContext, problem.Status);
        });
        return services;
    }

    /// <summary>Adds the middleware; call it before routing-dependent middleware so it wraps every endpoint.</summary>
    public static IApplicationBuilder UseMachaApiErrorHandling(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var targetLength = context.Request.Path.Value?.Length + context.Request.QueryString.Value?.Length ?? 0;
            if (targetLength > MaxRequestTargetLength)
            {
                await WriteProblemAsync(
                    context,
                    StatusCodes.Status414UriTooLong,
                    "URL too long",
                    $"The URL has {targetLength} characters; at most {MaxRequestTargetLength} are accepted. Send fewer or shorter query values.");
                return;
            }

            try
            {
                await next(context);
            }
            catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
            {
                await WriteProblemAsync(context, ex.StatusCode, TitleFor(ex.StatusCode), Describe(ex));
            }
        });

    /// <summary>
    /// Returns a 404 problem for a path under /api that no endpoint matches, so a mistyped URL gets
    /// JSON instead of the dashboard's "page not found". Call it after UseRouting: a path that exists
    /// with another method has the router's 405 endpoint by then, and keeps it.
    /// </summary>
    public static IApplicationBuilder UseMachaUnknownApiRoutes(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint() is null && context.Request.Path.StartsWithSegments(ApiEndpoints.Prefix, StringComparison.OrdinalIgnoreCase))
            {
                await WriteProblemAsync(
                    context,
                    StatusCodes.Status404NotFound,
                    "Not found",
                    $"No API endpoint matches {context.Request.Method} {context.Request.Path}. The endpoints are listed in {OpenApiSetup.DocumentPath}.");
                return;
            }

            await next(context);
        });

    /// <summary>
    /// Writes a body for an error response that has none. Under /api and /openapi the body is a
    /// problem. Any other GET or HEAD gets the dashboard's status page: the request runs again at
    /// /status/CODE and keeps its status. A POST outside /api also gets a problem, because running
    /// it again would submit it to a page.
    /// </summary>
    public static IApplicationBuilder UseMachaStatusCodePages(this IApplicationBuilder app)
    {
        // The problem writer is the outer middleware, so it runs after the page branch and leaves
        // the response alone when the page has written a body.
        app.UseStatusCodePages();
        return app.UseWhen(
            context => !IsForScripts(context.Request.Path)
                && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)),
            // A new scope for the page, as Blazor needs for a request it renders a second time.
            page => page.UseStatusCodePagesWithReExecute(StatusPagePath, createScopeForStatusCodePages: true));
    }

    private static bool IsForScripts(PathString path) =>
        path.StartsWithSegments(ApiEndpoints.Prefix, StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/openapi", StringComparison.OrdinalIgnoreCase);

    /// <summary>Rewrites the framework's binding messages in plain words, naming the parameter, its value and the expected form.</summary>
    internal static string Describe(BadHttpRequestException exception)
    {
        var message = exception.Message;
        if (BindFailure().Match(message) is { Success: true } bind)
        {
            var type = NullableType().Match(bind.Groups["type"].Value) is { Success: true } inner ? inner.Groups["inner"].Value : bind.Groups["type"].Value.TrimEnd('?');
            return $"The query or route parameter '{bind.Groups["name"].Value}' must be {ExpectedForm(type)}; got '{bind.Groups["value"].Value}'.";
        }

        if (BodyFailure().Match(message) is { Success: true })
        {
            var reason = exception.InnerException?.Message;
            return reason is null
                ? "The request body is not valid JSON for this endpoint."
                : $"The request body is not valid JSON for this endpoint: {reason}";
        }

        return message;
    }

    private static string ExpectedForm(string type) => type switch
    {
        "int" or "long" or "Int32" or "Int64" => "a whole number",
        "double" or "decimal" or "Double" => "a number",
        "bool" or "Boolean" => "true or false",
        "Guid" => "a GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        "DateTimeOffset" or "DateTime" => "a date and time in ISO 8601, such as 2026-12-04T10:00:00Z",
        "TimeSpan" => "a duration such as 01:30:00",
        _ => $"a valid {type}",
    };

    private static string TitleFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "Invalid request",
        StatusCodes.Status413PayloadTooLarge => "Request body too large",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
        _ => ReasonPhrases.GetReasonPhrase(status),
    };

    private static string? DefaultDetail(HttpContext context, int? status) => status switch
    {
        StatusCodes.Status404NotFound => $"Nothing exists at {context.Request.Path}.",
        StatusCodes.Status405MethodNotAllowed =>
            $"{context.Request.Path} does not accept {context.Request.Method}. The endpoints and their methods are listed in {OpenApiSetup.DocumentPath}.",
        StatusCodes.Status415UnsupportedMediaType => "Send the request body as JSON, with Content-Type: application/json.",
        StatusCodes.Status413PayloadTooLarge =>
            context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } limit
                ? $"The request body is larger than the {limit} bytes Macha accepts; send a smaller one."
                : "The request body is larger than Macha accepts; send a smaller one.",
        _ => null,
    };

    private static async Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    [GeneratedRegex("""^Failed to bind parameter "(?<type>[^ "]+) (?<name>[^ "]+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex BindFailure();

    [GeneratedRegex("^Nullable<(?<inner>.+)>$")]
    private static partial Regex NullableType();

    [GeneratedRegex("""^Failed to read parameter "[^"]+" from the request body as JSON\.$""")]
    private static partial Regex BodyFailure();
}
