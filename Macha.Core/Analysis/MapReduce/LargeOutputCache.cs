using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Macha.Core.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Analysis.MapReduce;

/// <summary>
/// Stores outputs too big for a prompt on disk, as <c>&lt;data&gt;/cache/outputs/&lt;id&gt;/</c>, and
/// serves line ranges of them. Sources are streamed line by line, so a 100 MB log is never held in
/// memory whole. Text is sanitized on the way in.
/// </summary>
/// <remarks>
/// Ids are random (128 bits), not a hash of the content. A content hash would be known only after
/// the whole source was read, would make two outputs share one entry that either one's expiry could
/// delete, and would let anyone who has seen an output compute its id. A random id needs no
/// coordination between concurrent writers and cannot be guessed from another entry.
/// </remarks>
internal sealed partial class LargeOutputCache : IDisposable
{
    /// <summary>Longest line kept, in UTF-16 chars; the rest of a longer line is replaced by a marker.</summary>
    public const int MaxLineChars = 64 * 1024;

    private const int IdLength = 32;
    private const string OutputFileName = "output.txt";
    private const string MetadataFileName = "info.json";
    private const string PartialSuffix = ".partial";

    // Every 1,024th line's byte offset is kept, so a range read skips at most 1,023 lines.
    private const int LineIndexInterval = 1024;

    // Room kept below CacheMaxEntryBytes for the marker line that ends a truncated entry.
    private const int TruncationMarkerBytes = 256;

    private static readonly SearchValues<char> LowercaseHexDigits = SearchValues.Create("0123456789abcdef");

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly IOptionsMonitor<MachaOptions> _machaOptions;
    private readonly IOptionsMonitor<MapReduceOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<LargeOutputCache> _logger;
    private readonly SemaphoreSlim _cleanupLock = new(1, 1);

    public LargeOutputCache(
        IOptionsMonitor<MachaOptions> machaOptions,
        IOptionsMonitor<MapReduceOptions> options,
        TimeProvider timeProvider,
        ILogger<LargeOutputCache> logger)
    {
        _machaOptions = machaOptions;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>The directory that contains one subdirectory per entry.</summary>
    public string RootDirectory => Path.Combine(_machaOptions.CurrentValue.ResolveDataDirectory(), "cache", "outputs");

    /// <summary>Whether <paramref name="id"/> has the form of this cache's ids: 32 lowercase hexadecimal digits.</summary>
    public static bool IsValidId(string? id) =>
        id is { Length: IdLength } && id.AsSpan().IndexOfAnyExcept(LowercaseHexDigits) < 0;

    /// <summary>
    /// Stores the text of <paramref name="source"/>, read as UTF-8 (invalid bytes become U+FFFD) from
    /// its current position to its end, then deletes entries beyond the age and size limits.
    /// </summary>
    public Task<CachedOutputInfo> StoreAsync(Stream source, string description, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(description);

        return StoreLinesAsync(ReadStreamLinesAsync(source, cancellationToken), description, cancellationToken);
    }

    /// <summary>
    /// Stores the lines of a command's output as they arrive; a string that contains '\n' counts as
    /// several lines. Then deletes entries beyond the age and size limits.
    /// </summary>
    public Task<CachedOutputInfo> StoreAsync(IAsyncEnumerable<string> lines, string description, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(description);

        return StoreLinesAsync(SplitLinesAsync(lines, cancellationToken), description, cancellationToken);
    }

    /// <summary>Returns what is stored under <paramref name="id"/>, or null when it does not exist or has expired.</summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> is not an id of this cache.</exception>
    public async Task<CachedOutputInfo?> GetInfoAsync(string id, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId(id);

        var metadata = await ReadMetadataAsync(Path.Combine(RootDirectory, id), cancellationToken);
        return metadata is null || IsExpired(metadata.Info) ? null : metadata.Info;
    }

    /// <summary>
    /// Reads up to <paramref name="lineCount"/> lines from zero-based line <paramref name="firstLine"/>,
    /// stopping before the line that would make the range exceed <paramref name="maxBytes"/> UTF-8
    /// bytes (newlines counted). A first line longer than that is cut to fit. Returns null when the
    /// entry does not exist or has expired, and an empty range when it has fewer lines.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> is not an id of this cache.</exception>
    public async Task<CachedOutputRange?> ReadLinesAsync(
        string id,
        long firstLine,
        int lineCount,
        int maxBytes,
        CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId(id);
        ArgumentOutOfRangeException.ThrowIfNegative(firstLine);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lineCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);

        var directory = Path.Combine(RootDirectory, id);
        var metadata = await ReadMetadataAsync(directory, cancellationToken);
        if (metadata is null || IsExpired(metadata.Info))
        {
            return null;
        }

        var info = metadata.Info;
        if (firstLine >= info.LineCount)
        {
            return new CachedOutputRange(id, firstLine, [], info.LineCount, CutAtMaxBytes: false);
        }

        using var reader = OpenAt(directory, metadata, firstLine, out var linesToSkip);
        for (var i = 0L; i < linesToSkip; i++)
        {
            await reader.ReadLineAsync(cancellationToken);
        }

        var lines = new List<string>();
        var bytes = 0L;
        var cut = false;
        while (lines.Count < lineCount && await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            var size = Utf8.GetByteCount(line) + 1;
            if (bytes + size > maxBytes)
            {
                cut = true;
                if (lines.Count == 0)
                {
                    lines.Add(CutToBytes(line, maxBytes));
                }

                break;
            }

            lines.Add(line);
            bytes += size;
        }

        return new CachedOutputRange(id, firstLine, lines, info.LineCount, cut);
    }

    /// <summary>
    /// Streams every line of an entry from disk. The file stays readable to this enumeration even if
    /// a cleanup deletes the entry meanwhile, because Linux keeps an open file's data.
    /// </summary>
    /// <exception cref="OutputReductionException">The entry does not exist.</exception>
    public async IAsyncEnumerable<string> ReadAllLinesAsync(string id, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId(id);

        StreamReader reader;
        try
        {
            reader = new StreamReader(Path.Combine(RootDirectory, id, OutputFileName), Utf8, detectEncodingFromByteOrderMarks: false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new OutputReductionException($"Cached output {id} was not found; it may have expired.", ex);
        }

        using (reader)
        {
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                yield return line;
            }
        }
    }

    /// <summary>
    /// Deletes entries older than <see cref="MapReduceOptions.CacheMaxAge"/>, then the oldest entries
    /// until the rest fit <see cref="MapReduceOptions.CacheMaxTotalBytes"/>, and leftovers of stores
    /// that never finished.
    /// </summary>
    /// <remarks>
    /// NOTE: only <see cref="StoreAsync(Stream, string, CancellationToken)"/> and its overload call this, so
    /// expired entries stay on disk while nothing new is stored; reads already treat them as missing.
    /// </remarks>
    public async Task<CacheCleanupResult> CleanupAsync(CancellationToken cancellationToken = default)
    {
        await _cleanupLock.WaitAsync(cancellationToken);
        try
        {
            return await CleanupLockedAsync(cancellationToken);
        }
        finally
        {
            _cleanupLock.Release();
        }
    }

    public void Dispose() => _cleanupLock.Dispose();

    private async Task<CachedOutputInfo> StoreLinesAsync(IAsyncEnumerable<BoundedLine> lines, string description, CancellationToken cancellationToken)
    {
        var root = RootDirectory;
        Directory.CreateDirectory(root);
        var id = RandomNumberGenerator.GetHexString(IdLength, lowercase: true);

        // The entry is written under a temporary name and renamed when complete, so readers and
        // cleanups never see half of it.
        var partial = Path.Combine(root, id + PartialSuffix);
        Directory.CreateDirectory(partial);
        try
        {
            var metadata = await WriteOutputAsync(Path.Combine(partial, OutputFileName), lines, id, OutputTextSanitizer.SanitizeLine(description), cancellationToken);
            await using (var file = File.Create(Path.Combine(partial, MetadataFileName)))
            {
                await JsonSerializer.SerializeAsync(file, metadata, CacheJsonContext.Default.EntryMetadata, cancellationToken);
            }

            Directory.Move(partial, Path.Combine(root, id));
            LogStored(id, metadata.Info.LineCount, metadata.Info.ByteSize, metadata.Info.Truncated);

            await CleanupAsync(cancellationToken);
            return metadata.Info;
        }
        catch
        {
            TryDeleteDirectory(partial);
            throw;
        }
    }

    private async Task<EntryMetadata> WriteOutputAsync(
        string path,
        IAsyncEnumerable<BoundedLine> lines,
        string id,
        string description,
        CancellationToken cancellationToken)
    {
        var maxBytes = _options.CurrentValue.CacheMaxEntryBytes - TruncationMarkerBytes;
        var createdAt = _timeProvider.GetUtcNow();
        var offsets = new List<long>();
        long lineCount = 0, byteSize = 0, cutLineCount = 0;
        var truncated = false;

        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
        await using var writer = new StreamWriter(file, Utf8, 64 * 1024);

        async Task AppendAsync(string text)
        {
            if (lineCount % LineIndexInterval == 0)
            {
                offsets.Add(byteSize);
            }

            await writer.WriteAsync(text.AsMemory(), cancellationToken);
            await writer.WriteAsync('\n');
            byteSize += Utf8.GetByteCount(text) + 1;
            lineCount++;
        }

        await foreach (var line in lines.WithCancellation(cancellationToken))
        {
            var text = OutputTextSanitizer.SanitizeLine(line.Text);
            if (line.SkippedChars > 0)
            {
                text += string.Create(CultureInfo.InvariantCulture, $" [… line cut: {line.SkippedChars} more chars not cached]");
                cutLineCount++;
            }

            if (byteSize + Utf8.GetByteCount(text) + 1 > maxBytes)
            {
                truncated = true;
                await AppendAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"[… output cut after {lineCount} lines: only its first {byteSize} bytes are cached, the limit set by Macha:Analysis:MapReduce:CacheMaxEntryBytes]"));
                break;
            }

            await AppendAsync(text);
        }

        await writer.FlushAsync(cancellationToken);
        var info = new CachedOutputInfo(id, description, createdAt, lineCount, byteSize, cutLineCount, truncated);
        return new EntryMetadata(info, offsets);
    }

    private static StreamReader OpenAt(string directory, EntryMetadata metadata, long firstLine, out long linesToSkip)
    {
        var indexSlot = (int)Math.Min(firstLine / LineIndexInterval, metadata.LineOffsets.Count - 1);
        linesToSkip = firstLine - ((long)indexSlot * LineIndexInterval);

        var file = new FileStream(Path.Combine(directory, OutputFileName), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: true);
        try
        {
            file.Seek(metadata.LineOffsets[indexSlot], SeekOrigin.Begin);
            return new StreamReader(file, Utf8, detectEncodingFromByteOrderMarks: false);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private async Task<CacheCleanupResult> CleanupLockedAsync(CancellationToken cancellationToken)
    {
        var root = RootDirectory;
        if (!Directory.Exists(root))
        {
            return new CacheCleanupResult(0, 0, 0, 0);
        }

        var options = _options.CurrentValue;
        var now = _timeProvider.GetUtcNow();
        var remaining = new List<CachedOutputInfo>();
        int deletedCount = 0;
        long deletedBytes = 0;

        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            var name = Path.GetFileName(directory);
            if (name.EndsWith(PartialSuffix, StringComparison.Ordinal))
            {
                // A store that is still running touches its files; one that crashed stops doing so.
                if (now - Directory.GetLastWriteTimeUtc(directory) > options.CacheMaxAge && TryDeleteDirectory(directory))
                {
                    deletedCount++;
                }

                continue;
            }

            if (!IsValidId(name))
            {
                continue;
            }

            var metadata = await ReadMetadataAsync(directory, cancellationToken);
            if (metadata is null || IsExpired(metadata.Info))
            {
                if (TryDeleteDirectory(directory))
                {
                    deletedCount++;
                    deletedBytes += metadata?.Info.ByteSize ?? 0;
                }

                continue;
            }

            remaining.Add(metadata.Info);
        }

        remaining.Sort((left, right) => left.CreatedAt.CompareTo(right.CreatedAt));
        var totalBytes = remaining.Sum(info => info.ByteSize);
        var oldest = 0;
        while (totalBytes > options.CacheMaxTotalBytes && oldest < remaining.Count)
        {
            var info = remaining[oldest++];
            if (TryDeleteDirectory(Path.Combine(root, info.Id)))
            {
                deletedCount++;
                deletedBytes += info.ByteSize;
                totalBytes -= info.ByteSize;
            }
        }

        if (deletedCount > 0)
        {
            LogCleanedUp(deletedCount, deletedBytes, remaining.Count - oldest, totalBytes);
        }

        return new CacheCleanupResult(deletedCount, deletedBytes, remaining.Count - oldest, totalBytes);
    }

    private bool IsExpired(CachedOutputInfo info) =>
        _timeProvider.GetUtcNow() - info.CreatedAt > _options.CurrentValue.CacheMaxAge;

    private async Task<EntryMetadata?> ReadMetadataAsync(string directory, CancellationToken cancellationToken)
    {
        try
        {
            await using var file = File.OpenRead(Path.Combine(directory, MetadataFileName));
            var metadata = await JsonSerializer.DeserializeAsync(file, CacheJsonContext.Default.EntryMetadata, cancellationToken);
            var complete = metadata is not null && (metadata.LineOffsets.Count > 0 || metadata.Info.LineCount == 0);
            return complete ? metadata : null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException ex)
        {
            LogMetadataInvalid(ex, Path.GetFileName(directory));
            return null;
        }
    }

    private bool TryDeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
            return true;
        }
        catch (DirectoryNotFoundException)
        {
            // Another cleanup, or a failed store's own clean-up, got there first.
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogDeleteFailed(ex, directory);
            return false;
        }
    }

    private static void ThrowIfInvalidId(string id)
    {
        if (!IsValidId(id))
        {
            throw new ArgumentException(
                $"'{OutputTextSanitizer.SanitizeLine(id ?? string.Empty)}' is not a cached output id; ids are 32 lowercase hexadecimal digits.",
                nameof(id));
        }
    }

    private static string CutToBytes(string line, int maxBytes)
    {
        // maxBytes counts the newline that ends the line.
        var end = Math.Min(line.Length, maxBytes - 1);
        while (end > 0 && Utf8.GetByteCount(line.AsSpan(0, end)) > maxBytes - 1)
        {
            end--;
        }

        if (end > 0 && char.IsHighSurrogate(line[end - 1]))
        {
            end--;
        }

        return line[..end];
    }

    private static async IAsyncEnumerable<BoundedLine> ReadStreamLinesAsync(Stream source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(source, Utf8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);
        var lines = new BoundedLineReader(reader, MaxLineChars);
        while (await lines.ReadLineAsync(cancellationToken) is { } line)
        {
            yield return line;
        }
    }

    private static async IAsyncEnumerable<BoundedLine> SplitLinesAsync(IAsyncEnumerable<string> lines, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var line in lines.WithCancellation(cancellationToken))
        {
            foreach (var part in line.Split('\n'))
            {
                var text = part.EndsWith('\r') ? part[..^1] : part;
                yield return text.Length <= MaxLineChars
                    ? new BoundedLine(text, 0)
                    : new BoundedLine(text[..MaxLineChars], text.Length - MaxLineChars);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cached output {OutputId}: {LineCount} lines, {ByteSize} bytes, truncated: {Truncated}")]
    private partial void LogStored(string outputId, long lineCount, long byteSize, bool truncated);

    [LoggerMessage(Level = LogLevel.Information, Message = "Output cache cleanup deleted {DeletedCount} entries ({DeletedBytes} bytes); {RemainingCount} entries ({RemainingBytes} bytes) remain")]
    private partial void LogCleanedUp(int deletedCount, long deletedBytes, int remainingCount, long remainingBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting cached output directory {DirectoryPath} failed; the next cleanup retries")]
    private partial void LogDeleteFailed(Exception exception, string directoryPath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metadata of cached output {OutputId} is invalid, so the entry is treated as missing and deleted by the next cleanup")]
    private partial void LogMetadataInvalid(Exception exception, string outputId);
}

/// <summary>The metadata file of one entry.</summary>
/// <param name="LineOffsets">Byte offset of every 1,024th line, starting with line 0.</param>
internal sealed record EntryMetadata(CachedOutputInfo Info, IReadOnlyList<long> LineOffsets);

[JsonSerializable(typeof(EntryMetadata))]
internal sealed partial class CacheJsonContext : JsonSerializerContext;
