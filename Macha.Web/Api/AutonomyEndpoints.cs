using System.Security.Claims;
using Macha.Core.Actions;
using Macha.Core.Actions.Autonomy;
using Macha.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Macha.Web.Api;

internal static class AutonomyEndpoints
{
    // The /api group requires a signed-in principal, so this only names one that carries no name.
    private const string AnonymousApiActor = "api";

    public static RouteGroupBuilder MapAutonomyEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/autonomy", GetAutonomyAsync)
            .WithName("GetAutonomy")
            .WithSummary("The configured and effective autonomy level, and who paused autonomy, when and why.");
        api.MapPost("/autonomy/pause", PauseAsync)
            .RequireAuthorization(MachaPolicies.Operate)
            .WithName("PauseAutonomy")
            .WithSummary("Pauses autonomy at once: Macha acts as at level Observe until resumed, across restarts.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapPost("/autonomy/resume", ResumeAsync)
            .RequireAuthorization(MachaPolicies.Operate)
            .WithName("ResumeAutonomy")
            .WithSummary("Resumes autonomy at the configured level.");
        return api;
    }

    /// <summary>The actor recorded for a request: the signed-in user's name, or the anonymous API actor.</summary>
    internal static string ActorOf(ClaimsPrincipal user) =>
        user.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : AnonymousApiActor;

    private static async Task<Ok<AutonomyResponse>> GetAutonomyAsync(AutonomySwitch autonomy, CancellationToken cancellationToken) =>
        TypedResults.Ok(AutonomyResponse.From(await autonomy.GetStateAsync(cancellationToken)));

    private static async Task<Results<Ok<AutonomyResponse>, ProblemHttpResult>> PauseAsync(
        AutonomySwitch autonomy, AutonomyPauseRequest? body, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (body?.Reason is { } reason && reason.Trim().Length > AutonomySwitch.MaxReasonLength)
        {
            return Problems.Invalid($"The field 'reason' may have at most {AutonomySwitch.MaxReasonLength} characters; got {reason.Trim().Length}. Shorten it.");
        }

        var result = await autonomy.PauseAsync(ActorOf(user), body?.Reason, cancellationToken);
        return TypedResults.Ok(AutonomyResponse.From(result.State));
    }

    private static async Task<Ok<AutonomyResponse>> ResumeAsync(AutonomySwitch autonomy, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var result = await autonomy.ResumeAsync(ActorOf(user), cancellationToken);
        return TypedResults.Ok(AutonomyResponse.From(result.State));
    }
}

/// <summary>The optional body of a pause request.</summary>
/// <param name="Reason">Why autonomy is paused, up to <see cref="AutonomySwitch.MaxReasonLength"/> characters.</param>
public sealed record AutonomyPauseRequest(string? Reason);

/// <summary>The autonomy switch as the API returns it.</summary>
/// <param name="EffectiveLevel">Observe while paused, otherwise the configured level.</param>
/// <param name="PausedBy">Who paused autonomy; null while it is not paused.</param>
public sealed record AutonomyResponse(
    AutonomyLevel ConfiguredLevel,
    AutonomyLevel EffectiveLevel,
    bool Paused,
    DateTimeOffset? PausedAt,
    string? PausedBy,
    string? Reason)
{
    internal static AutonomyResponse From(AutonomyState state) =>
        new(state.ConfiguredLevel, state.EffectiveLevel, state.Paused, state.PausedAt, state.PausedBy, state.Reason);
}
