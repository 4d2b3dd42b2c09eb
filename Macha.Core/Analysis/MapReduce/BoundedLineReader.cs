using System.Text;

namespace Macha.Core.Analysis.MapReduce;

/// <summary>
/// Reads lines from a text reader without ever holding more than <c>maxLineChars</c> of one line,
/// so a source without newlines (a binary file, a minified blob) cannot fill memory. The part of a
/// line beyond the limit is skipped and counted.
/// </summary>
internal sealed class BoundedLineReader
{
    private readonly TextReader _reader;
    private readonly int _maxLineChars;
    private readonly char[] _buffer = new char[16 * 1024];
    private readonly StringBuilder _line = new();
    private int _position;
    private int _length;
    private bool _lineFull;

    public BoundedLineReader(TextReader reader, int maxLineChars)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineChars, 2);

        _reader = reader;
        _maxLineChars = maxLineChars;
    }

    /// <summary>Reads the next line without its '\n' or '\r\n'; null at the end of the input.</summary>
    public async ValueTask<BoundedLine?> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        _line.Clear();
        _lineFull = false;
        long skippedChars = 0;
        var readAny = false;
        while (true)
        {
            if (_position == _length)
            {
                _length = await _reader.ReadAsync(_buffer.AsMemory(), cancellationToken);
                _position = 0;
                if (_length == 0)
                {
                    return readAny ? Finish(skippedChars) : null;
                }
            }

            readAny = true;
            var available = _buffer.AsSpan(_position, _length - _position);
            var newline = available.IndexOf('\n');
            var piece = newline < 0 ? available : available[..newline];
            skippedChars += AppendWithinLimit(piece);
            if (newline >= 0)
            {
                _position += newline + 1;
                return Finish(skippedChars);
            }

            _position = _length;
        }
    }

    private long AppendWithinLimit(ReadOnlySpan<char> piece)
    {
        if (_lineFull)
        {
            return piece.Length;
        }

        var room = _maxLineChars - _line.Length;
        if (piece.Length <= room)
        {
            _line.Append(piece);
            return 0;
        }

        // Never keep half of a surrogate pair at the cut.
        var kept = room > 0 && char.IsHighSurrogate(piece[room - 1]) ? room - 1 : room;
        _line.Append(piece[..kept]);
        _lineFull = true;
        return piece.Length - kept;
    }

    private BoundedLine Finish(long skippedChars)
    {
        var text = _line.ToString();
        if (text.EndsWith('\r'))
        {
            text = text[..^1];
        }

        return new BoundedLine(text, skippedChars);
    }
}

/// <param name="SkippedChars">Chars of the line beyond the reader's limit, which were not kept.</param>
internal readonly record struct BoundedLine(string Text, long SkippedChars);
