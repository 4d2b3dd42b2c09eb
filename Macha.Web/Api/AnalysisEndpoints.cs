using Macha.Core.Analysis;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Macha.Web.Api;

internal static class AnalysisEndpoints
{
    public static RouteGroupBuilder MapAnalysisEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/analysis/queue", GetQueueState);
        return api;
    }

    /// <summary>Returns the model requests running and waiting now, with the queue's outcome counts.</summary>
    private static Ok<ModelQueueState> GetQueueState(IModelRequestQueue queue) => TypedResults.Ok(queue.GetState());
}
