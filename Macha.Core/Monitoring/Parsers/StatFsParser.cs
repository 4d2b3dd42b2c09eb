using System.Globalization;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>Figures of one filesystem from <c>stat -f</c>, already multiplied out to bytes.</summary>
/// <param name="InodesTotal">Null when the filesystem reports no inodes, as many network filesystems do.</param>
internal sealed record StatFsFigures(long SizeBytes, long UsedBytes, long AvailableBytes, long? InodesTotal, long? InodesUsed);

/// <summary>Reads the output of <c>stat -f -c "%S %b %a %f %c %d"</c>.</summary>
/// <remarks>
/// Never throws. Per stat(1), %S is the fundamental block size that %b (total blocks), %a (blocks
/// free for unprivileged users) and %f (free blocks) count in, and %c and %d are the total and free
/// inodes. Used space is total minus free, as df computes it, so blocks reserved for root count as
/// neither used nor available.
/// </remarks>
internal static class StatFsParser
{
    public const string Format = "%S %b %a %f %c %d";

    public static ParseResult<StatFsFigures> Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);

        var fields = output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 6)
        {
            return ParseResult<StatFsFigures>.Failure($"expected 6 numbers (block size, blocks, available, free, inodes, free inodes), got {fields.Length} fields");
        }

        var numbers = new long[6];
        for (var i = 0; i < numbers.Length; i++)
        {
            if (!long.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]))
            {
                return ParseResult<StatFsFigures>.Failure($"field {i + 1} is not a whole number: '{CollectorStatus.Excerpt(fields[i])}'");
            }
        }

        var (blockSize, blocks, available, free, inodes, freeInodes) = (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5]);
        if (blockSize == 0 || free > blocks || available > blocks || blocks > long.MaxValue / blockSize)
        {
            return ParseResult<StatFsFigures>.Failure(
                $"the figures are inconsistent: block size {blockSize}, {blocks} blocks, {available} available, {free} free");
        }

        long? inodesTotal = inodes > 0 && freeInodes <= inodes ? inodes : null;
        long? inodesUsed = inodesTotal is null ? null : inodes - freeInodes;
        var figures = new StatFsFigures(blocks * blockSize, (blocks - free) * blockSize, available * blockSize, inodesTotal, inodesUsed);
        return ParseResult<StatFsFigures>.Success(figures);
    }
}
