namespace Macha.Core.Knowledge;

/// <summary>Name rules of ChromaDB 1.0 for tenants, databases and collections.</summary>
internal static class ChromaNames
{
    /// <summary>Checks a tenant or database name: 3 to 63 letters, digits, '.', '_' or '-'.</summary>
    public static bool IsValidTenantOrDatabase(string? name) =>
        name is { Length: >= 3 and <= 63 } && name.All(IsNameCharacter);

    /// <summary>
    /// Checks a collection name as Chroma 1.0 validates it: 3 to 512 characters from [a-zA-Z0-9._-],
    /// starting and ending with a letter or digit.
    /// </summary>
    public static bool IsValidCollection(string? name) =>
        name is { Length: >= 3 and <= 512 }
        && name.All(IsNameCharacter)
        && char.IsAsciiLetterOrDigit(name[0])
        && char.IsAsciiLetterOrDigit(name[^1]);

    private static bool IsNameCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';
}
