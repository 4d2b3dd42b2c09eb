using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Macha.Core.Storage.Audit;

/// <summary>
/// The line format and hash rule shared by the writer and the verifier.
/// </summary>
/// <remarks>
/// A line is one JSON object with the members seq, at, type, actor, host, incident_id, data, prev
/// and hash, in that order, with no whitespace, followed by "\n". hash is always the last member.
/// <list type="bullet">
/// <item>hash is the lowercase SHA-256 hex of the line's UTF-8 bytes up to, not including, the
/// <c>,"hash":"</c> that starts the last member, followed by a single <c>}</c>. That is the same
/// object without its hash member, byte for byte, so no re-serialization is needed to check it.</item>
/// <item>prev is the lowercase SHA-256 hex of the previous line's bytes without its "\n" (hash
/// member included), or 64 zeros on the first line.</item>
/// </list>
/// </remarks>
internal static class AuditLine
{
    /// <summary>Longest line the writer accepts and the verifier reads, so a verifier's memory stays bounded.</summary>
    public const int MaxLineBytes = 16 * 1024 * 1024;

    public static readonly string GenesisPrev = new('0', 64);

    /// <summary>The bytes that start the hash member; the last occurrence in a line is the real one.</summary>
    public static ReadOnlySpan<byte> HashMemberStart => ",\"hash\":\""u8;

    /// <summary>Length of the hash member: <c>,"hash":"</c>, 64 hex digits, <c>"</c>, then the closing <c>}</c>.</summary>
    public static int HashMemberLength => HashMemberStart.Length + 64 + 2;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // The files are read by people and scripts, not embedded in HTML, so non-ASCII text stays
        // readable. Control characters, "\n" included, are still escaped, so a line never splits.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>Formats one line, without its "\n", and returns it with its hash.</summary>
    public static (byte[] Line, string Hash) Format(long seq, DateTimeOffset at, AuditEvent auditEvent, JsonObject data, string prev)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("seq", seq);
            writer.WriteString("at", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("type", auditEvent.Type);
            writer.WriteString("actor", auditEvent.Actor);
            writer.WriteString("host", auditEvent.Host);
            if (auditEvent.IncidentId is { } incidentId)
            {
                writer.WriteString("incident_id", incidentId);
            }
            else
            {
                writer.WriteNull("incident_id");
            }

            writer.WritePropertyName("data");
            data.WriteTo(writer);
            writer.WriteString("prev", prev);
            writer.WriteEndObject();
        }

        var body = buffer.WrittenSpan;
        var hash = Hex(SHA256.HashData(body));

        // Drop the body's closing brace and append the hash member, so the hash is the last member.
        var line = new byte[body.Length - 1 + HashMemberLength];
        body[..^1].CopyTo(line);
        var tail = line.AsSpan(body.Length - 1);
        HashMemberStart.CopyTo(tail);
        System.Text.Encoding.ASCII.GetBytes(hash, tail[HashMemberStart.Length..]);
        tail[^2] = (byte)'"';
        tail[^1] = (byte)'}';
        return (line, hash);
    }

    /// <summary>
    /// Computes the hash a line should carry, from its bytes without "\n"; null when the line has no
    /// hash member at its end.
    /// </summary>
    public static string? ComputeHash(ReadOnlySpan<byte> line)
    {
        var start = line.LastIndexOf(HashMemberStart);
        if (start < 0 || line.Length - start != HashMemberLength || line[^1] != (byte)'}' || line[^2] != (byte)'"')
        {
            return null;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(line[..start]);
        hash.AppendData("}"u8);
        return Hex(hash.GetCurrentHash());
    }

    /// <summary>Returns the prev value that the line after this one must carry.</summary>
    public static string HashOfLine(ReadOnlySpan<byte> line) => Hex(SHA256.HashData(line));

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
