using System.Text.Json;
using System.Text.Json.Serialization;

namespace Macha.Core.Knowledge.Chroma;

/// <summary>A collection as ChromaDB returns it. Records are addressed by <see cref="Id"/>, which changes when a collection is re-created.</summary>
public sealed record ChromaCollection(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("metadata")] Dictionary<string, JsonElement>? Metadata,
    [property: JsonPropertyName("tenant")] string? Tenant,
    [property: JsonPropertyName("database")] string? Database)
{
    /// <summary>Returns a metadata value as text, or null when it is missing.</summary>
    public string? GetMetadataString(string key) =>
        Metadata is not null && Metadata.TryGetValue(key, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
            : null;
}

/// <summary>Records to add or upsert; every list is as long as <see cref="Ids"/>.</summary>
/// <param name="Metadatas">Scalar values only (string, number, boolean), as Chroma 1.0 stores them.</param>
public sealed record ChromaRecords(
    [property: JsonPropertyName("ids")] IReadOnlyList<string> Ids,
    [property: JsonPropertyName("embeddings")] IReadOnlyList<float[]> Embeddings,
    [property: JsonPropertyName("documents")] IReadOnlyList<string> Documents,
    [property: JsonPropertyName("metadatas")] IReadOnlyList<IReadOnlyDictionary<string, object>> Metadatas);

/// <summary>Records returned by get: parallel lists, with null for what was not included.</summary>
public sealed record ChromaGetResult(
    [property: JsonPropertyName("ids")] List<string> Ids,
    [property: JsonPropertyName("documents")] List<string?>? Documents,
    [property: JsonPropertyName("metadatas")] List<Dictionary<string, JsonElement>?>? Metadatas,
    [property: JsonPropertyName("embeddings")] List<float[]?>? Embeddings);

/// <summary>Nearest records for each query embedding: one inner list per query, nearest first.</summary>
public sealed record ChromaQueryResult(
    [property: JsonPropertyName("ids")] List<List<string>> Ids,
    [property: JsonPropertyName("documents")] List<List<string?>>? Documents,
    [property: JsonPropertyName("metadatas")] List<List<Dictionary<string, JsonElement>?>>? Metadatas,
    [property: JsonPropertyName("distances")] List<List<double>>? Distances);

/// <summary>What a get request returns besides ids.</summary>
[Flags]
public enum ChromaInclude
{
    None = 0,
    Documents = 1,
    Metadatas = 2,
    Embeddings = 4,
    Distances = 8,
}
