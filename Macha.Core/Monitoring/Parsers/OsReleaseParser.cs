namespace Macha.Core.Monitoring.Parsers;

/// <summary>Reads fields of <c>/etc/os-release</c> as os-release(5) defines them. Never throws.</summary>
internal static class OsReleaseParser
{
    /// <summary>
    /// Returns the value of <paramref name="key"/>, such as "nixos" for ID, with one level of single
    /// or double quotes removed; null when the key is absent. The last assignment wins, as in a shell.
    /// </summary>
    public static string? ReadField(string content, string key)
    {
        string? value = null;
        var prefix = key + "=";
        foreach (var rawLine in content.Split('\n'))
        {
            var line = rawLine.Trim();
            if (!line.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            value = Unquote(line[prefix.Length..]);
        }

        return value;
    }

    private static string Unquote(string value)
    {
        if (value.Length >= 2 && (value[0] is '"' or '\'') && value[^1] == value[0])
        {
            return value[1..^1];
        }

        return value;
    }
}
