using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Macha.Web.Cli;

/// <summary>Writes results as aligned text tables for people, or as indented JSON for scripts (--json).</summary>
internal sealed class CliOutput(TextWriter writer, bool json)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public bool Json { get; } = json;

    public TextWriter Writer { get; } = writer;

    public void WriteJson(JsonElement value) => Writer.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

    public void WriteJson<T>(T value) => Writer.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

    public void WriteLine(string text = "") => Writer.WriteLine(text);

    /// <summary>Writes a table whose columns are as wide as their widest cell; the last column is never padded.</summary>
    public void WriteTable(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.ToList();
        if (all.Count == 0)
        {
            return;
        }

        var widths = headers.Select((header, column) => Math.Max(header.Length, all.Max(row => row[column].Length))).ToArray();
        WriteRow(headers, widths);
        foreach (var row in all)
        {
            WriteRow(row, widths);
        }
    }

    /// <summary>Writes "Name: value" lines with the values aligned.</summary>
    public void WriteFields(IEnumerable<(string Name, string? Value)> fields)
    {
        var list = fields.Where(field => field.Value is not null).ToList();
        var width = list.Count == 0 ? 0 : list.Max(field => field.Name.Length) + 1;
        foreach (var (name, value) in list)
        {
            Writer.WriteLine($"{(name + ":").PadRight(width)} {value}");
        }
    }

    private void WriteRow(IReadOnlyList<string> cells, int[] widths)
    {
        var line = new StringBuilder();
        for (var column = 0; column < cells.Count; column++)
        {
            var cell = cells[column];
            line.Append(column == cells.Count - 1 ? cell : cell.PadRight(widths[column] + 2));
        }

        Writer.WriteLine(line.ToString().TrimEnd());
    }
}

/// <summary>Reads members of the API's JSON responses for display, tolerating members an older instance lacks.</summary>
internal static class JsonText
{
    public static string Text(this JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
        {
            return string.Empty;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() ?? string.Empty,
            JsonValueKind.Null or JsonValueKind.Undefined => string.Empty,
            JsonValueKind.Array => string.Join(' ', value.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.String ? item.GetString() : item.GetRawText())),
            _ => value.GetRawText(),
        };
    }

    /// <summary>
    /// Formats an ISO 8601 member in UTC to the second, labelled, such as 2026-12-04 23:10:05 UTC.
    /// The dashboard shows the same text, so both name a moment alike whatever zone each machine is in.
    /// </summary>
    public static string Time(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var time)
            ? time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)
            : string.Empty;

    public static IEnumerable<JsonElement> Items(this JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => element.EnumerateArray(),
        JsonValueKind.Object when element.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array => items.EnumerateArray(),
        _ => [],
    };

    /// <summary>Shortens text to one line of at most <paramref name="max"/> characters.</summary>
    public static string OneLine(string text, int max)
    {
        var line = string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return line.Length <= max ? line : string.Concat(line.AsSpan(0, max - 1), "…");
    }
}
