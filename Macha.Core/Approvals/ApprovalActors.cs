namespace Macha.Core.Approvals;

/// <summary>The forms of actor names recorded on approval transitions.</summary>
public static class ApprovalActors
{
    /// <summary>Macha itself: creation, expiry, withdrawal and interruption at start.</summary>
    public const string Macha = "macha";

    private const string ApiTokenPrefix = "token:";

    /// <summary>Formats the actor for a request authenticated by an API token, naming the token's id, never its secret.</summary>
    public static string ApiToken(string tokenId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tokenId);
        return ApiTokenPrefix + tokenId;
    }
}
