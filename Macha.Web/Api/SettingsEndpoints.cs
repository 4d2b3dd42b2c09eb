using Macha.Core.Storage.Audit;
using Macha.Web.Components;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Macha.Web.Api;

internal static class SettingsEndpoints
{
    public static RouteGroupBuilder MapSettingsEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/settings", GetSettings)
            .WithTags("Settings")
            .WithName("ListSettings")
            .WithSummary("List the configuration Macha runs with, defaults included, as the Settings page shows it")
            .WithDescription("Each row has the key, the value, whether configuration sets it (`isSet`) and whether it is a secret. "
                + "Secret values are replaced by a fixed mask and never sent.");
        return api;
    }

    private static Ok<IReadOnlyList<SettingRow>> GetSettings(IServiceProvider services, IConfiguration configuration, SecretRedactor redactor) =>
        TypedResults.Ok(EffectiveConfiguration.Build(services, configuration, redactor));
}
