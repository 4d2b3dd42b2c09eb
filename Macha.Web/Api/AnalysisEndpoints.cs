using Macha.Core.Analysis;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Macha.Web.Api;

internal static class AnalysisEndpoints
{
    public static RouteGroupBuilder MapAnalysisEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/analysis/queue", GetQueueState)
            .WithTags("Analysis")
            .WithName("GetAnalysisQueue")
            .WithSummary("Get the model requests running and waiting, with the queue's outcome counts");
        return api;
    }

    private static Ok<ModelQueueState> GetQueueState(IModelRequestQueue queue) => TypedResults.Ok(queue.GetState());
}
