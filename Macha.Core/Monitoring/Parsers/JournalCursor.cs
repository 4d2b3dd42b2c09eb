using System.Globalization;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>Compares journal cursors ("s=SEQNUM_ID;i=SEQNUM;b=…;m=…;t=…;x=…").</summary>
internal static class JournalCursor
{
    /// <summary>
    /// Returns the cursor of the later entry. Two cursors are comparable only when they share the
    /// sequence number id (s=), because sequence numbers (i=, hexadecimal) count within one id. When
    /// they are not comparable, returns <paramref name="preferred"/>.
    /// </summary>
    public static string? Later(string? preferred, string? other)
    {
        if (preferred is null || other is null)
        {
            return preferred ?? other;
        }

        var first = Parse(preferred);
        var second = Parse(other);
        if (first is null || second is null || first.Value.SequenceId != second.Value.SequenceId)
        {
            return preferred;
        }

        return second.Value.Sequence > first.Value.Sequence ? other : preferred;
    }

    private static (string SequenceId, ulong Sequence)? Parse(string cursor)
    {
        string? sequenceId = null;
        ulong? sequence = null;
        foreach (var part in cursor.Split(';'))
        {
            if (part.StartsWith("s=", StringComparison.Ordinal))
            {
                sequenceId = part[2..];
            }
            else if (part.StartsWith("i=", StringComparison.Ordinal)
                && ulong.TryParse(part.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            {
                sequence = value;
            }
        }

        return sequenceId is null || sequence is null ? null : (sequenceId, sequence.Value);
    }
}
