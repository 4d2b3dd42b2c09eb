using Macha.Core.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Macha.Web.Api;

/// <summary>Validation of the query parameters that list endpoints share: paging, time windows and enum filters.</summary>
internal static class ApiQuery
{
    public const int DefaultLimit = 50;

    /// <summary>Checks limit (1 to <see cref="HealthQueries.MaxLimit"/>), offset (0 or more) and since before until.</summary>
    public static ProblemHttpResult? InvalidPage(int? limit, int? offset, DateTimeOffset? since = null, DateTimeOffset? until = null)
    {
        if (limit is < 1 or > HealthQueries.MaxLimit)
        {
            return Problems.Invalid($"The query parameter 'limit' must be between 1 and {HealthQueries.MaxLimit}; got {limit}.");
        }

        if (offset is < 0)
        {
            return Problems.Invalid($"The query parameter 'offset' must be 0 or more; got {offset}.");
        }

        return since is { } from && until is { } to && from >= to
            ? Problems.Invalid($"The query parameter 'since' ({from:O}) must be earlier than 'until' ({to:O}).")
            : null;
    }

    /// <summary>
    /// Parses an enum filter by name, ignoring case. Numbers and comma-joined flags, which
    /// Enum.TryParse would accept, are rejected.
    /// </summary>
    public static bool TryParseEnum<TEnum>(string? value, string parameter, out TEnum? parsed, out ProblemHttpResult? problem)
        where TEnum : struct, Enum
    {
        parsed = null;
        problem = null;
        if (value is null)
        {
            return true;
        }

        var name = Enum.GetNames<TEnum>().FirstOrDefault(n => string.Equals(n, value, StringComparison.OrdinalIgnoreCase));
        if (name is null)
        {
            problem = Problems.Invalid($"The query parameter '{parameter}' must be one of {string.Join(", ", Enum.GetNames<TEnum>())}; got '{value}'.");
            return false;
        }

        parsed = Enum.Parse<TEnum>(name);
        return true;
    }

    /// <summary>Normalises a severity filter to the stored spelling (Info, Warning, Critical).</summary>
    public static bool TryParseSeverity(string? value, out string? severity, out ProblemHttpResult? problem)
    {
        var valid = TryParseEnum<Macha.Core.Detection.Severity>(value, "severity", out var parsed, out problem);
        severity = parsed?.ToString();
        return valid;
    }
}

/// <summary>RFC 7807 problem responses with a clear title and a detail that names what to change.</summary>
internal static class Problems
{
    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static ProblemHttpResult Invalid(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request");
}
