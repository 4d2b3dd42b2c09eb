using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Win32.SafeHandles;

namespace Macha.Core.Storage.Audit;

/// <summary>
/// The only writer of one audit file in this process. Appends are serialized by a semaphore; each
/// line is written with its "\n" in one call, then flushed and fsynced before the next one starts.
/// </summary>
/// <remarks>
/// On open, the writer reads only the end of the file to continue seq and prev. When the file ends
/// without "\n", the last line was torn by a crash during a write: the writer keeps those bytes,
/// ends them with "\n", and writes an <see cref="AuditEventTypes.TornLine"/> entry after them. The
/// chain goes on through the torn line (its seq is skipped and the next prev is the hash of its
/// bytes), so the verifier reports the torn line as the first break, and history is never rewritten.
/// </remarks>
internal sealed class AuditFileWriter : IDisposable
{
    private const int TailBlockBytes = 8192;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private FileStream? _stream;
    private long _nextSeq;
    private string _prev = AuditLine.GenesisPrev;

    public AuditFileWriter(AuditFile file, string path)
    {
        File = file;
        Path = path;
    }

    public AuditFile File { get; }

    public string Path { get; }

    /// <summary>Appends one line; <paramref name="onTornLine"/> is called when opening finds a torn last line.</summary>
    public async Task<AuditEntry> AppendAsync(
        AuditEvent auditEvent, JsonObject data, DateTimeOffset at, Action<TornLine> onTornLine, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // From here on no cancellation: a line that is half written is worse than a late one.
            if (_stream is null)
            {
                Open(at, onTornLine);
            }

            return Write(auditEvent, data, at);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The file may now end in a partial line; reopening finds it and continues after it.
            Close();
            throw new AuditWriteException($"Writing the audit file {Path} failed: {ex.Message}", ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        Close();
        _gate.Dispose();
    }

    private AuditEntry Write(AuditEvent auditEvent, JsonObject data, DateTimeOffset at)
    {
        var (line, hash) = AuditLine.Format(_nextSeq, at, auditEvent, data, _prev);
        if (line.Length > AuditLine.MaxLineBytes)
        {
            throw new ArgumentException(
                $"The audit entry of type '{auditEvent.Type}' is {line.Length} bytes long; at most {AuditLine.MaxLineBytes} bytes fit on one line.",
                nameof(data));
        }

        var bytes = new byte[line.Length + 1];
        line.CopyTo(bytes, 0);
        bytes[^1] = (byte)'\n';
        _stream!.Write(bytes);
        _stream.Flush(flushToDisk: true);

        var entry = new AuditEntry(File, _nextSeq, at, hash);
        _prev = AuditLine.HashOfLine(line);
        _nextSeq++;
        return entry;
    }

    private void Open(DateTimeOffset at, Action<TornLine> onTornLine)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var options = new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.Read,

            // No buffering: each line goes to the kernel in one write, then Flush(true) fsyncs it.
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows())
        {
            // Only applies when the file is created; an existing file keeps its mode.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var stream = new FileStream(Path, options);
        try
        {
            Tail tail;

            // An append-only stream cannot read, so the end of the file is read through its own handle.
            using (var reader = System.IO.File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            {
                tail = ReadTail(reader);
            }

            _nextSeq = tail.NextSeq;
            _prev = tail.Prev;
            _stream = stream;
            if (tail.Torn is { } torn)
            {
                _stream.Write("\n"u8);
                _stream.Flush(flushToDisk: true);
                onTornLine(torn);
                var data = new JsonObject { ["line"] = torn.Seq, ["bytes"] = torn.Bytes };
                Write(new AuditEvent(AuditEventTypes.TornLine, "macha", null, null), data, at);
            }
        }
        catch
        {
            _stream = null;
            stream.Dispose();
            throw;
        }
    }

    private void Close()
    {
        _stream?.Dispose();
        _stream = null;
    }

    /// <summary>Reads the last line, and the one before it when the last is torn, to continue the chain.</summary>
    private static Tail ReadTail(SafeFileHandle handle)
    {
        var length = RandomAccess.GetLength(handle);
        if (length == 0)
        {
            return new Tail(1, AuditLine.GenesisPrev, null);
        }

        var lastByte = new byte[1];
        RandomAccess.Read(handle, lastByte, length - 1);
        if (lastByte[0] == (byte)'\n')
        {
            var start = FindLineStart(handle, length - 1);
            var prev = HashRange(handle, start, length - 1);
            var seq = ReadSeq(handle, start, length - 1) ?? CountLines(handle);
            return new Tail(seq + 1, prev, null);
        }

        var tornStart = FindLineStart(handle, length);
        var tornPrev = HashRange(handle, tornStart, length);
        long tornSeq;
        if (tornStart == 0)
        {
            tornSeq = 1;
        }
        else
        {
            var before = FindLineStart(handle, tornStart - 1);
            tornSeq = (ReadSeq(handle, before, tornStart - 1) ?? CountLines(handle)) + 1;
        }

        // The torn line takes one seq; the torn-line entry after it takes the next.
        return new Tail(tornSeq + 1, tornPrev, new TornLine(tornSeq, length - tornStart));
    }

    /// <summary>Returns the offset just after the last "\n" before <paramref name="end"/>, or 0.</summary>
    private static long FindLineStart(SafeFileHandle handle, long end)
    {
        var block = new byte[TailBlockBytes];
        var position = end;
        while (position > 0)
        {
            var count = (int)Math.Min(TailBlockBytes, position);
            position -= count;
            var read = RandomAccess.Read(handle, block.AsSpan(0, count), position);
            var index = block.AsSpan(0, read).LastIndexOf((byte)'\n');
            if (index >= 0)
            {
                return position + index + 1;
            }
        }

        return 0;
    }

    private static string HashRange(SafeFileHandle handle, long start, long end)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var block = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            for (var position = start; position < end;)
            {
                var read = RandomAccess.Read(handle, block.AsSpan(0, (int)Math.Min(block.Length, end - position)), position);
                if (read == 0)
                {
                    break;
                }

                hash.AppendData(block.AsSpan(0, read));
                position += read;
            }

            return AuditLine.Hex(hash.GetCurrentHash());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
    }

    /// <summary>Returns the line's seq, or null when it is not an entry with a numeric seq.</summary>
    private static long? ReadSeq(SafeFileHandle handle, long start, long end)
    {
        if (end - start > AuditLine.MaxLineBytes)
        {
            return null;
        }

        var line = new byte[end - start];
        RandomAccess.Read(handle, line, start);
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("seq", out var seq)
                && seq.TryGetInt64(out var value)
                ? value
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Counts "\n" bytes, the fallback when the last entry's seq cannot be read.</summary>
    private static long CountLines(SafeFileHandle handle)
    {
        var block = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long lines = 0;
            long position = 0;
            int read;
            while ((read = RandomAccess.Read(handle, block, position)) > 0)
            {
                lines += block.AsSpan(0, read).Count((byte)'\n');
                position += read;
            }

            return lines;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
    }

    private sealed record Tail(long NextSeq, string Prev, TornLine? Torn);
}

/// <summary>A last line without "\n" found when an audit file was opened: its line number and length.</summary>
internal sealed record TornLine(long Seq, long Bytes);
