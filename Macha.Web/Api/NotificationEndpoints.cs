using Macha.Core.Notifications;
using Macha.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Macha.Web.Api;

internal static class NotificationEndpoints
{
    public static RouteGroupBuilder MapNotificationEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/notifications/status", GetStatus)
            .WithName("GetNotificationStatus")
            .WithSummary("Returns whether Gotify notifications are configured and working, the last send, the queue length and the drop counts.");

        api.MapPost("/notifications/test", SendTestAsync)
            .RequireAuthorization(MachaPolicies.Operate)
            .WithName("SendTestNotification")
            .WithSummary("Sends a test message to Gotify now, past the queue and a misconfiguration stop, and returns how it went.")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status502BadGateway);
        return api;
    }

    private static Ok<NotificationStatusResponse> GetStatus(INotificationStatusProvider status) =>
        TypedResults.Ok(NotificationStatusResponse.From(status.GetStatus()));

    private static async Task<Results<Ok<NotificationTestResponse>, ProblemHttpResult>> SendTestAsync(
        NotificationService notifier, CancellationToken cancellationToken)
    {
        var result = await notifier.SendTestAsync(cancellationToken);
        return result.Status switch
        {
            GotifySendStatus.Sent => TypedResults.Ok(new NotificationTestResponse(true, result.Detail, result.MessageId)),
            GotifySendStatus.NotConfigured => TypedResults.Problem(
                $"{result.Detail} Set Macha:Notifications:Gotify:Url and Macha:Notifications:Gotify:TokenFile, then restart Macha.",
                statusCode: StatusCodes.Status409Conflict,
                title: "Notifications are not configured"),
            GotifySendStatus.Misconfigured => TypedResults.Problem(
                result.Detail, statusCode: StatusCodes.Status502BadGateway, title: "Gotify rejected the notifier's configuration"),
            _ => TypedResults.Problem(
                result.Detail, statusCode: StatusCodes.Status502BadGateway, title: "The test notification could not be sent"),
        };
    }
}

/// <summary>The notifier's state, as <c>GET /api/notifications/status</c> returns it.</summary>
/// <param name="State">NotConfigured, Ok, Degraded or Misconfigured.</param>
/// <param name="Reason">Why the state is not Ok, naming what to fix.</param>
/// <param name="Drops">Notifications dropped because the queue was full.</param>
internal sealed record NotificationStatusResponse(
    bool Configured,
    bool Ok,
    bool Misconfigured,
    NotifierState State,
    string? Reason,
    bool ApprovalLinks,
    DateTimeOffset? LastSentAt,
    DateTimeOffset? LastFailureAt,
    int QueueLength,
    long Drops,
    long Sent,
    long Failed,
    long Suppressed,
    long SkippedWhileMisconfigured,
    int Held)
{
    public static NotificationStatusResponse From(NotificationStatus status) => new(
        status.Configured,
        status.Ok,
        status.Misconfigured,
        status.State,
        status.Reason,
        status.ApprovalLinks,
        status.LastSentAt,
        status.LastFailureAt,
        status.QueueLength,
        status.Dropped,
        status.Sent,
        status.Failed,
        status.Suppressed,
        status.SkippedWhileMisconfigured,
        status.Held);
}

/// <param name="GotifyMessageId">The id Gotify gave the test message; null when its response had none.</param>
internal sealed record NotificationTestResponse(bool Sent, string Detail, long? GotifyMessageId);
