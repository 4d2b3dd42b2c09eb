using Macha.Core.Dependencies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Macha.Web.Api;

internal static class DependencyEndpoints
{
    public static RouteGroupBuilder MapDependencyEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/dependencies", ListAsync)
            .WithTags("Dependencies")
            .WithName("ListDependencies")
            .WithSummary("Returns the status of Ollama, ChromaDB, Gotify and the hosts: ok, degraded, down or not-configured.");
        return api;
    }

    private static async Task<Ok<List<DependencyStatusResponse>>> ListAsync(DependencyStatusService statuses, CancellationToken cancellationToken)
    {
        var all = await statuses.GetAllAsync(cancellationToken);
        return TypedResults.Ok(all.Select(DependencyStatusResponse.From).ToList());
    }
}

/// <param name="State">One of ok, degraded, down, not-configured.</param>
internal sealed record DependencyStatusResponse(string Name, string State, string Detail, DateTimeOffset CheckedAt)
{
    public static DependencyStatusResponse From(DependencyStatus status) =>
        new(status.Name, StateName(status.State), status.Detail, status.CheckedAt);

    public static string StateName(DependencyState state) => state switch
    {
        DependencyState.Ok => "ok",
        DependencyState.Degraded => "degraded",
        DependencyState.Down => "down",
        DependencyState.NotConfigured => "not-configured",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown dependency state."),
    };
}
