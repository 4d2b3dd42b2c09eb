namespace Macha.Web.Components;

/// <summary>
/// Sends 404 for a detail page whose item does not exist, while the page keeps its own message
/// ("No incident with id … exists") as the body.
/// </summary>
/// <remarks>
/// Setting the status while the page renders is not enough in .NET 10. Blazor's endpoint then
/// withholds the rendered HTML so that the status-code page can write a body, which would replace the
/// page's message with the generic "Page not found". NavigationManager.NotFound() does the same, or
/// renders the router's not-found page. So the status is set when the response starts, after Blazor
/// decided to send the page.
/// </remarks>
internal static class NotFoundResponse
{
    /// <summary>
    /// Marks the response as 404. Does nothing without an <see cref="HttpContext"/>, because a page has
    /// one only while it is prerendered for the HTTP request. The interactive circuit has no status.
    /// </summary>
    public static void Send(HttpContext? httpContext) => Send(httpContext, StatusCodes.Status404NotFound);

    /// <summary>Marks the response with <paramref name="statusCode"/> in the same way, for a page that shows an error status.</summary>
    public static void Send(HttpContext? httpContext, int statusCode)
    {
        if (httpContext is null || httpContext.Response.HasStarted)
        {
            return;
        }

        httpContext.Response.OnStarting(() =>
        {
            httpContext.Response.StatusCode = statusCode;
            return Task.CompletedTask;
        });
    }
}
