using System.Buffers;
using System.Text.Json;

namespace Macha.Core.Storage.Audit;

/// <summary>What is wrong with the first broken line of an audit file.</summary>
public enum AuditBreakKind
{
    /// <summary>The line is not a JSON object.</summary>
    BadJson,

    /// <summary>The line is JSON but lacks seq, prev or a final hash member, or one has the wrong type.</summary>
    InvalidEntry,

    /// <summary>seq is not the line's number: a line was deleted, inserted or moved.</summary>
    SeqGap,

    /// <summary>prev is not the SHA-256 of the previous line: the previous line was changed or replaced.</summary>
    PrevMismatch,

    /// <summary>hash does not match the line's content: the line was edited.</summary>
    HashMismatch,

    /// <summary>The line was cut short: the file's last line has no "\n", or the writer found it so after a crash.</summary>
    TornLine,
}

/// <summary>The first line where an audit file's chain breaks.</summary>
/// <param name="Line">1-based line number in the file.</param>
public sealed record AuditBreak(long Line, AuditBreakKind Kind, string Message);

/// <summary>The outcome of verifying one audit file.</summary>
/// <param name="LinesChecked">Lines read, including the broken one when there is one.</param>
/// <param name="FirstBreak">The first broken line; null when every line is intact.</param>
public sealed record AuditVerification(string Path, bool Exists, long LinesChecked, AuditBreak? FirstBreak)
{
    public bool IsIntact => FirstBreak is null;
}

/// <summary>
/// Checks an audit file line by line against the rules in <see cref="AuditLine"/>: each line is a
/// JSON object whose seq is its line number, whose prev is the SHA-256 of the previous line, and
/// whose hash matches its content. It stops at the first broken line.
/// </summary>
/// <remarks>
/// The file is streamed, so memory contains one line at a time, at most <see cref="AuditLine.MaxLineBytes"/>.
/// A chain proves that lines were not changed by someone who did not also recompute every later hash.
/// It is no signature: someone who can write the file can rewrite the whole chain.
/// </remarks>
public static class AuditVerifier
{
    private const int ReadBlockBytes = 64 * 1024;

    /// <summary>Verifies the file; a missing or empty file is intact with no lines.</summary>
    public static async Task<AuditVerification> VerifyAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);

        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new AuditVerification(path, Exists: false, 0, null);
        }

        await using (stream)
        {
            var reader = new LineReader(stream);
            var prev = AuditLine.GenesisPrev;
            long number = 0;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                number++;
                var problem = Check(line, number, prev);
                if (problem is null)
                {
                    prev = AuditLine.HashOfLine(line.Bytes.Span);
                    continue;
                }

                if (problem.Kind == AuditBreakKind.BadJson && await reader.ReadLineAsync(cancellationToken) is { } next && IsTornLineEntry(next, number))
                {
                    problem = new AuditBreak(number, AuditBreakKind.TornLine, $"Line {number} is torn: the writer found it cut short after a crash and wrote an {AuditEventTypes.TornLine} entry after it.");
                }

                return new AuditVerification(path, Exists: true, number, problem);
            }

            return new AuditVerification(path, Exists: true, number, null);
        }
    }

    private static AuditBreak? Check(Line line, long number, string expectedPrev)
    {
        if (line.TooLong)
        {
            return new AuditBreak(number, AuditBreakKind.BadJson, $"Line {number} is longer than {AuditLine.MaxLineBytes} bytes, the most the writer writes.");
        }

        if (!line.Terminated)
        {
            return new AuditBreak(number, AuditBreakKind.TornLine, $"Line {number} is torn: the file ends without a line end, as after a crash during a write or a truncation.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line.Bytes);
        }
        catch (JsonException ex)
        {
            return new AuditBreak(number, AuditBreakKind.BadJson, $"Line {number} is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new AuditBreak(number, AuditBreakKind.BadJson, $"Line {number} is JSON but not an object.");
            }

            if (!root.TryGetProperty("seq", out var seqElement) || !seqElement.TryGetInt64(out var seq)
                || !root.TryGetProperty("prev", out var prevElement) || prevElement.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("hash", out var hashElement) || hashElement.ValueKind != JsonValueKind.String)
            {
                return new AuditBreak(number, AuditBreakKind.InvalidEntry, $"Line {number} lacks a numeric seq, a string prev or a string hash.");
            }

            var computed = AuditLine.ComputeHash(line.Bytes.Span);
            if (computed is null)
            {
                return new AuditBreak(number, AuditBreakKind.InvalidEntry, $"Line {number} does not end with its hash member, so its hash cannot be checked.");
            }

            if (!string.Equals(computed, hashElement.GetString(), StringComparison.Ordinal))
            {
                return new AuditBreak(number, AuditBreakKind.HashMismatch, $"Line {number} was changed: its content hashes to {computed}, but its hash member is {hashElement.GetString()}.");
            }

            if (seq != number)
            {
                return new AuditBreak(number, AuditBreakKind.SeqGap, $"Line {number} has seq {seq}: a line was deleted, inserted or moved before it.");
            }

            if (!string.Equals(prevElement.GetString(), expectedPrev, StringComparison.Ordinal))
            {
                return new AuditBreak(number, AuditBreakKind.PrevMismatch, $"Line {number} has prev {prevElement.GetString()}, but line {number - 1} hashes to {expectedPrev}: the line before it was changed or replaced.");
            }

            return null;
        }
    }

    private static bool IsTornLineEntry(Line line, long tornNumber)
    {
        if (!line.Terminated || line.TooLong)
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(line.Bytes);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("type", out var type) && type.ValueEquals(AuditEventTypes.TornLine)
                && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                && data.TryGetProperty("line", out var lineNumber) && lineNumber.TryGetInt64(out var value) && value == tornNumber;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <param name="Bytes">The line without its "\n"; valid only until the next read.</param>
    /// <param name="Terminated">False for a last line that has no "\n".</param>
    /// <param name="TooLong">The line exceeded <see cref="AuditLine.MaxLineBytes"/>; <paramref name="Bytes"/> holds only its start.</param>
    private readonly record struct Line(ReadOnlyMemory<byte> Bytes, bool Terminated, bool TooLong);

    /// <summary>Splits a stream into lines at "\n", reusing one growing buffer for the current line.</summary>
    private sealed class LineReader(Stream stream)
    {
        private readonly byte[] _block = new byte[ReadBlockBytes];
        private readonly ArrayBufferWriter<byte> _line = new(ReadBlockBytes);
        private int _blockStart;
        private int _blockEnd;
        private bool _endOfStream;

        public async Task<Line?> ReadLineAsync(CancellationToken cancellationToken)
        {
            _line.ResetWrittenCount();
            var tooLong = false;
            while (true)
            {
                if (_blockStart == _blockEnd)
                {
                    if (_endOfStream)
                    {
                        return _line.WrittenCount == 0 && !tooLong ? null : new Line(_line.WrittenMemory, Terminated: false, tooLong);
                    }

                    _blockEnd = await stream.ReadAsync(_block, cancellationToken);
                    _blockStart = 0;
                    _endOfStream = _blockEnd == 0;
                    continue;
                }

                var available = _block.AsSpan(_blockStart, _blockEnd - _blockStart);
                var newline = available.IndexOf((byte)'\n');
                var part = newline < 0 ? available : available[..newline];
                if (_line.WrittenCount + part.Length <= AuditLine.MaxLineBytes)
                {
                    _line.Write(part);
                }
                else
                {
                    // Keep reading to the line end so the next line starts in the right place, but stop storing.
                    tooLong = true;
                }

                if (newline >= 0)
                {
                    _blockStart += newline + 1;
                    return new Line(_line.WrittenMemory, Terminated: true, tooLong);
                }

                _blockStart = _blockEnd;
            }
        }
    }
}
