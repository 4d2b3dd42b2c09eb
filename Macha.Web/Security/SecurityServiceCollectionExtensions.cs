using Microsoft.AspNetCore.Authentication;

namespace Macha.Web.Security;

/// <summary>Registers Macha's authentication schemes and its two authorization policies.</summary>
internal static class SecurityServiceCollectionExtensions
{
    public static IServiceCollection AddMachaSecurity(this IServiceCollection services)
    {
        services.AddAuthentication(LocalAccessHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, LocalAccessHandler>(LocalAccessHandler.SchemeName, configureOptions: null);

        // Operate implies Read, so the Read policy accepts either scope claim.
        services.AddAuthorizationBuilder()
            .AddPolicy(MachaPolicies.Read, policy => policy
                .RequireAuthenticatedUser()
                .RequireClaim(MachaClaims.Scope, MachaPolicies.Read, MachaPolicies.Operate))
            .AddPolicy(MachaPolicies.Operate, policy => policy
                .RequireAuthenticatedUser()
                .RequireClaim(MachaClaims.Scope, MachaPolicies.Operate));
        services.AddCascadingAuthenticationState();
        return services;
    }
}
