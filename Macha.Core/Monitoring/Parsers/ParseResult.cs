using System.Diagnostics.CodeAnalysis;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>The value a parser read, or the reason it read nothing.</summary>
/// <remarks>
/// Parsers return this instead of throwing, so a collector can turn any input, however broken, into
/// a status. <see cref="MissingFields"/> lists fields absent from an otherwise usable input, for a
/// Partial status.
/// </remarks>
internal sealed record ParseResult<T>
{
    private ParseResult(T? value, string? error, IReadOnlyList<string> missingFields)
    {
        Value = value;
        Error = error;
        MissingFields = missingFields;
    }

    /// <summary>The parsed value; meaningful only when <see cref="Succeeded"/> is true.</summary>
    public T? Value { get; }

    /// <summary>Why nothing could be read; null on success.</summary>
    public string? Error { get; }

    public IReadOnlyList<string> MissingFields { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    public static ParseResult<T> Success(T value, IReadOnlyList<string>? missingFields = null) =>
        new(value, null, missingFields ?? []);

    public static ParseResult<T> Failure(string error) => new(default, error, []);
}
