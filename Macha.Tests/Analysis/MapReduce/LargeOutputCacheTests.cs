using System.Text;
using Macha.Core.Analysis.MapReduce;

namespace Macha.Tests.Analysis.MapReduce;

public sealed class LargeOutputCacheTests : IDisposable
{
    private readonly MapReduceTestContext _context = new();

    public void Dispose() => _context.Dispose();

    [Fact]
    public async Task StoreAsync_Stream_RecordsLineCountAndByteSize()
    {
        var text = "first line\nsecond line\r\nthird\n";

        var info = await _context.StoreAsync(Encoding.UTF8.GetBytes(text));

        Assert.Equal(3, info.LineCount);
        Assert.Equal("first line\nsecond line\nthird\n".Length, info.ByteSize);
        Assert.False(info.Truncated);
    }

    [Fact]
    public async Task StoreAsync_LastLineWithoutNewline_CountsIt()
    {
        var info = await _context.StoreAsync(Encoding.UTF8.GetBytes("a\nb"));

        Assert.Equal(2, info.LineCount);
    }

    [Fact]
    public async Task StoreAsync_Lines_StoresEachLineUnderDataDirectory()
    {
        var info = await _context.StoreAsync(["one", "two\nthree"]);

        var path = Path.Combine(_context.DataDirectory, "cache", "outputs", info.Id, "output.txt");
        Assert.Equal("one\ntwo\nthree\n", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task StoreAsync_AnySource_GivesRandomHexId()
    {
        var first = await _context.StoreAsync(["same"]);
        var second = await _context.StoreAsync(["same"]);

        Assert.Matches("^[0-9a-f]{32}$", first.Id);
        Assert.NotEqual(first.Id, second.Id);
    }

    [Fact]
    public async Task StoreAsync_ControlCharactersAndEscapes_RemovesThem()
    {
        var info = await _context.StoreAsync(["\u001B[31mred\u001B[0m\u0000 bell\u0007 tab\there \u202Eflipped"]);

        var range = await _context.Cache.ReadLinesAsync(info.Id, 0, 10, 10_000);

        Assert.Equal("red bell tab\there flipped", Assert.Single(range!.Lines));
    }

    [Fact]
    public async Task StoreAsync_LineLongerThanMaxLineChars_CutsItWithMarker()
    {
        var longLine = new string('x', LargeOutputCache.MaxLineChars + 500);

        var info = await _context.StoreAsync(Encoding.UTF8.GetBytes(longLine + "\nnext\n"));
        var range = await _context.Cache.ReadLinesAsync(info.Id, 0, 10, 1_000_000);

        Assert.Equal(1, info.CutLineCount);
        Assert.EndsWith("[… line cut: 500 more chars not cached]", range!.Lines[0], StringComparison.Ordinal);
        Assert.StartsWith(new string('x', LargeOutputCache.MaxLineChars), range.Lines[0], StringComparison.Ordinal);
        Assert.Equal("next", range.Lines[1]);
    }

    [Fact]
    public async Task StoreAsync_SourceOverEntryLimit_TruncatesWithMarkerLine()
    {
        _context.Options.CurrentValue.CacheMaxEntryBytes = 64 * 1024;

        var info = await _context.StoreAsync(MapReduceTestContext.JournalLines(10_000));
        var range = await _context.Cache.ReadLinesAsync(info.Id, info.LineCount - 1, 1, 10_000);

        Assert.True(info.Truncated);
        Assert.True(info.ByteSize <= 64 * 1024);
        Assert.StartsWith("[… output cut after", Assert.Single(range!.Lines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreAsync_BinaryGarbage_StoresOnlyPrintableText()
    {
        var bytes = new byte[200_000];
        new Random(7).NextBytes(bytes);

        var info = await _context.StoreAsync(bytes);
        var text = await File.ReadAllTextAsync(Path.Combine(_context.DataDirectory, "cache", "outputs", info.Id, "output.txt"));

        Assert.DoesNotContain(text, c => char.IsControl(c) && c is not '\n' and not '\t');
    }

    [Fact]
    public async Task ReadLinesAsync_RangeAcrossIndexInterval_ReturnsExactLines()
    {
        var lines = Enumerable.Range(0, 5000).Select(i => $"line {i}").ToList();
        var info = await _context.StoreAsync(lines);

        var range = await _context.Cache.ReadLinesAsync(info.Id, 2046, 4, 10_000);

        Assert.Equal(["line 2046", "line 2047", "line 2048", "line 2049"], range!.Lines);
        Assert.Equal(2050, range.NextLine);
        Assert.Equal(5000, range.TotalLines);
    }

    [Fact]
    public async Task ReadLinesAsync_MaxBytes_StopsBeforeLineThatWouldExceed()
    {
        var info = await _context.StoreAsync(["12345", "12345", "12345"]);

        // Each line takes 6 bytes with its newline, so 15 bytes hold two lines.
        var range = await _context.Cache.ReadLinesAsync(info.Id, 0, 3, 15);

        Assert.Equal(2, range!.Lines.Count);
        Assert.True(range.CutAtMaxBytes);
    }

    [Fact]
    public async Task ReadLinesAsync_FirstLineOverMaxBytes_CutsIt()
    {
        var info = await _context.StoreAsync([new string('a', 100)]);

        var range = await _context.Cache.ReadLinesAsync(info.Id, 0, 1, 11);

        Assert.Equal(new string('a', 10), Assert.Single(range!.Lines));
        Assert.True(range.CutAtMaxBytes);
    }

    [Fact]
    public async Task ReadLinesAsync_PastEnd_ReturnsEmptyRange()
    {
        var info = await _context.StoreAsync(["only"]);

        var range = await _context.Cache.ReadLinesAsync(info.Id, 5, 1, 100);

        Assert.Empty(range!.Lines);
    }

    [Fact]
    public async Task ReadLinesAsync_UnknownId_ReturnsNull()
    {
        var range = await _context.Cache.ReadLinesAsync(new string('0', 32), 0, 1, 100);

        Assert.Null(range);
    }

    [Theory]
    [InlineData("../../../etc/passwd")]
    [InlineData("../0123456789abcdef0123456789abcd")]
    [InlineData("0123456789abcdef0123456789ab/../")]
    [InlineData("/etc/passwd")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("0123456789abcdef0123456789abcde")]
    [InlineData("")]
    public async Task ReadLinesAsync_ForeignId_ThrowsArgumentException(string id)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _context.Cache.ReadLinesAsync(id, 0, 1, 100));
    }

    [Theory]
    [InlineData("../../../etc/passwd")]
    [InlineData("0123456789abcdef0123456789ab/../")]
    public async Task GetInfoAsync_ForeignId_ThrowsArgumentException(string id)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _context.Cache.GetInfoAsync(id));
    }

    [Fact]
    public async Task GetInfoAsync_AfterMaxAge_ReturnsNull()
    {
        var info = await _context.StoreAsync(["old"]);

        _context.Time.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));

        Assert.Null(await _context.Cache.GetInfoAsync(info.Id));
    }

    [Fact]
    public async Task GetInfoAsync_JustBeforeMaxAge_ReturnsEntry()
    {
        var info = await _context.StoreAsync(["recent"]);

        _context.Time.Advance(TimeSpan.FromHours(24));

        Assert.NotNull(await _context.Cache.GetInfoAsync(info.Id));
    }

    [Fact]
    public async Task CleanupAsync_AfterMaxAge_DeletesEntryDirectory()
    {
        var info = await _context.StoreAsync(["old"]);
        _context.Time.Advance(TimeSpan.FromHours(25));

        var result = await _context.Cache.CleanupAsync();

        Assert.Equal(1, result.DeletedCount);
        Assert.False(Directory.Exists(Path.Combine(_context.Cache.RootDirectory, info.Id)));
    }

    [Fact]
    public async Task StoreAsync_TotalOverMaxBytes_DeletesOldestEntries()
    {
        _context.Options.CurrentValue.CacheMaxTotalBytes = 1024 * 1024;
        _context.Options.CurrentValue.CacheMaxEntryBytes = 1024 * 1024;
        var line = new string('y', 1023);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            // 400 lines of 1 KiB each: two entries fit the 1 MiB total, three do not.
            ids.Add((await _context.StoreAsync(Enumerable.Repeat(line, 400))).Id);
            _context.Time.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Null(await _context.Cache.GetInfoAsync(ids[0]));
        Assert.NotNull(await _context.Cache.GetInfoAsync(ids[1]));
        Assert.NotNull(await _context.Cache.GetInfoAsync(ids[2]));
    }

    [Fact]
    public async Task CleanupAsync_UnderLimits_KeepsEntries()
    {
        await _context.StoreAsync(["a"]);
        await _context.StoreAsync(["b"]);

        var result = await _context.Cache.CleanupAsync();

        Assert.Equal(0, result.DeletedCount);
        Assert.Equal(2, result.RemainingCount);
    }

    [Fact]
    public async Task StoreAsync_CancelledSource_LeavesNoEntry()
    {
        using var cancellation = new CancellationTokenSource();
        async IAsyncEnumerable<string> CancellingLines()
        {
            yield return "before";
            await cancellation.CancelAsync();
            yield return "after";
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => _context.Cache.StoreAsync(CancellingLines(), "test", cancellation.Token));

        Assert.Empty(Directory.EnumerateFileSystemEntries(_context.Cache.RootDirectory));
    }
}
