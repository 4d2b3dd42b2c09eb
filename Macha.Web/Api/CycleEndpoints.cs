using Macha.Core.Storage;
using Macha.Web.Jobs;
using Macha.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Macha.Web.Api;

internal static class CycleEndpoints
{
    public static RouteGroupBuilder MapCycleEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/cycles", StartCycleAsync)
            .WithTags("Cycles")
            .RequireAuthorization(MachaPolicies.Operate)
            .WithName("StartCycle")
            .WithSummary("Start a health cycle now")
            .WithDescription("Returns 202 at once with the run's id; poll the `Location` URL until its state is Completed, Failed or Interrupted.");
        api.MapGet("/cycles", ListCyclesAsync)
            .WithTags("Cycles")
            .WithName("ListCycles")
            .WithSummary("List health cycle runs, most recently requested first")
            .WithDescription("Filters: `state` (Queued, Running, Completed, Failed, Interrupted), and `since` and `until` on the request time. "
                + "Paging: `limit` (1 to 500, default 50) and `offset`.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/cycles/{id}", GetCycleAsync)
            .WithTags("Cycles")
            .WithName("GetCycle")
            .WithSummary("Get a health cycle run with each collector's status")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<Accepted<CycleStartedResponse>> StartCycleAsync(ICycleLauncher launcher, CancellationToken cancellationToken)
    {
        var id = await launcher.StartAsync(cancellationToken);
        var url = $"/api/cycles/{id}";
        return TypedResults.Accepted(url, new CycleStartedResponse(id, url));
    }

    private static async Task<Results<Ok<List<CycleRunResponse>>, ProblemHttpResult>> ListCyclesAsync(
        HealthQueries queries,
        string? state,
        DateTimeOffset? since,
        DateTimeOffset? until,
        int? limit,
        int? offset,
        CancellationToken cancellationToken)
    {
        if (ApiQuery.InvalidPage(limit, offset, since, until) is { } problem)
        {
            return problem;
        }

        if (!ApiQuery.TryParseEnum<CycleState>(state, "state", out var wantedState, out var stateProblem))
        {
            return stateProblem!;
        }

        var filter = new CycleRunFilter { State = wantedState, Since = since, Until = until, Limit = limit ?? ApiQuery.DefaultLimit, Offset = offset ?? 0 };
        var runs = await queries.ListCycleRunsAsync(filter, cancellationToken);
        return TypedResults.Ok(runs.Select(CycleRunResponse.From).ToList());
    }

    private static async Task<Results<Ok<CycleRunResponse>, ProblemHttpResult>> GetCycleAsync(
        HealthQueries queries, Guid id, CancellationToken cancellationToken)
    {
        var run = await queries.GetCycleRunAsync(id, cancellationToken);
        return run is null
            ? Problems.NotFound($"No health cycle run with id {id} exists.")
            : TypedResults.Ok(CycleRunResponse.From(run));
    }
}
