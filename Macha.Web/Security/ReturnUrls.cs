namespace Macha.Web.Security;

/// <summary>Keeps the return URL of a sign-in on this site, so a crafted link cannot send a person elsewhere.</summary>
internal static class ReturnUrls
{
    public const string Default = "/";

    /// <summary>
    /// Returns the URL when it is a path on this site, otherwise <see cref="Default"/>. Rejected are
    /// absolute URLs, "//host" and "/\host" (which browsers read as another host), and any control
    /// character, because browsers drop tabs and newlines and "/\t/host" would become "//host".
    /// </summary>
    public static string Sanitize(string? url)
    {
        if (string.IsNullOrEmpty(url) || url[0] != '/')
        {
            return Default;
        }

        if (url.Length > 1 && url[1] is '/' or '\\')
        {
            return Default;
        }

        return url.Any(c => char.IsControl(c) || c == '\\') ? Default : url;
    }
}
