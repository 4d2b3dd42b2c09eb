using System.Net;

namespace Macha.Web.Security;

/// <summary>An address Kestrel will listen on, where it was configured, and whether only this machine can reach it.</summary>
internal sealed record ListenAddress(string Url, string Source, bool IsLoopback);

/// <summary>
/// Reads the addresses Kestrel will listen on from configuration, before anything listens, following
/// Kestrel's precedence: <c>Kestrel:Endpoints</c>, else <c>urls</c> (ASPNETCORE_URLS or --urls), else
/// <c>http_ports</c> and <c>https_ports</c>, else Kestrel's default of http://localhost:5000.
/// </summary>
internal static class ListenAddresses
{
    private const string KestrelDefault = "http://localhost:5000";

    public static IReadOnlyList<ListenAddress> FromConfiguration(IConfiguration configuration)
    {
        var endpoints = new List<ListenAddress>();
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            var url = endpoint["Url"];
            if (!string.IsNullOrWhiteSpace(url))
            {
                endpoints.Add(Classify(url.Trim(), $"Kestrel:Endpoints:{endpoint.Key}:Url"));
            }
        }

        var hostingUrls = HostingUrls(configuration);

        // With preferHostingUrls set, Kestrel may bind the hosting URLs instead of its endpoints, so
        // both lists are checked.
        if (endpoints.Count > 0 && !string.Equals(configuration["preferHostingUrls"], "true", StringComparison.OrdinalIgnoreCase))
        {
            return endpoints;
        }

        endpoints.AddRange(hostingUrls);
        return endpoints.Count > 0 ? endpoints : [new ListenAddress(KestrelDefault, "Kestrel's default", IsLoopback: true)];
    }

    public static ListenAddress Classify(string url, string source) => new(url, source, IsLoopbackUrl(url));

    /// <summary>
    /// Returns whether only this machine can connect to the URL: an IP loopback address, the name
    /// localhost (Kestrel binds it to 127.0.0.1 and ::1 only), or a Unix socket or named pipe.
    /// Any other host name makes Kestrel listen on every interface.
    /// </summary>
    public static bool IsLoopbackUrl(string url)
    {
        BindingAddress parsed;
        try
        {
            parsed = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return false;
        }

        if (parsed.IsUnixPipe || parsed.IsNamedPipe)
        {
            return true;
        }

        if (string.Equals(parsed.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!IPAddress.TryParse(parsed.Host.Trim('[', ']'), out var address))
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return IPAddress.IsLoopback(address);
    }

    private static List<ListenAddress> HostingUrls(IConfiguration configuration)
    {
        var urls = Split(configuration["urls"]);
        if (urls.Count > 0)
        {
            return urls.Select(url => Classify(url, "urls (ASPNETCORE_URLS)")).ToList();
        }

        // Ports alone make Kestrel listen on every interface.
        return Split(configuration["http_ports"]).Select(port => Classify($"http://*:{port}", "http_ports (ASPNETCORE_HTTP_PORTS)"))
            .Concat(Split(configuration["https_ports"]).Select(port => Classify($"https://*:{port}", "https_ports (ASPNETCORE_HTTPS_PORTS)")))
            .ToList();
    }

    private static List<string> Split(string? value) =>
        string.IsNullOrWhiteSpace(value)
            ? []
            : value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
