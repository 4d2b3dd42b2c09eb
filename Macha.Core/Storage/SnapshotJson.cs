using System.Text.Json;
using System.Text.Json.Serialization;
using Macha.Core.Monitoring;

namespace Macha.Core.Storage;

/// <summary>The one JSON form of snapshots, used in the database, in snapshot files and by the API.</summary>
public static class SnapshotJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    public static string Serialize(HostSnapshot snapshot) => JsonSerializer.Serialize(snapshot, Options);

    /// <summary>Reads a stored snapshot; returns null for JSON that is not one, such as a truncated file.</summary>
    public static HostSnapshot? Deserialize(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<HostSnapshot>(json, Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = false,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
