using System.Net;
using IPNetwork = System.Net.IPNetwork;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Macha.Web.Security;

/// <summary>
/// Believes X-Forwarded-For and X-Forwarded-Proto only from the reverse proxies listed in
/// <see cref="MachaAuthenticationOptions.KnownProxies"/>. ASP.NET Core's own default believes any
/// proxy on loopback; Macha clears that, so that with no proxy configured a header sent by a client
/// cannot change the address the sign-in rate limit counts.
/// </summary>
internal static class KnownProxies
{
    public static IServiceCollection AddMachaForwardedHeaders(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersOptions>()
            .Configure<IOptions<MachaAuthenticationOptions>>((forwarded, authentication) =>
            {
                // With both lists empty the middleware would believe every peer, so with no proxy
                // configured it reads no header at all.
                var proxies = authentication.Value.KnownProxies;
                forwarded.ForwardedHeaders = proxies.Count == 0
                    ? ForwardedHeaders.None
                    : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
                forwarded.KnownProxies.Clear();
                forwarded.KnownIPNetworks.Clear();
                foreach (var entry in proxies)
                {
                    // The options validator has rejected entries that do not parse, so none is skipped here.
                    if (TryParse(entry, out var network))
                    {
                        forwarded.KnownIPNetworks.Add(network);
                    }
                }
            });
        return services;
    }

    /// <summary>Parses an address (taken as a network of one address) or a network in CIDR notation.</summary>
    public static bool TryParse(string? value, out IPNetwork network)
    {
        network = default;
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (text.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(text, out network);
        }

        if (!IPAddress.TryParse(text, out var address))
        {
            return false;
        }

        network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }
}
