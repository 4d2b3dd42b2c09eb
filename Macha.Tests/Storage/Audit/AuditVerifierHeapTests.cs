using System.Text.Json.Nodes;
using Macha.Core.Storage.Audit;

namespace Macha.Tests.Storage.Audit;

/// <summary>
/// The verifier on a file far larger than it may hold in memory. The check reads the managed heap of
/// the whole test process, which tests running beside it would grow, so this class runs alone.
/// </summary>
[Collection(HeapMeasurementCollection.Name)]
public sealed class AuditVerifierHeapTests : IDisposable
{
    private readonly AuditTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task VerifyAsync_FiftyMegabyteFile_Streams()
    {
        using var log = _files.OpenLog();
        await log.AppendAsync(AuditFile.Decisions, AuditTestFiles.Decision(0));
        var path = log.GetPath(AuditFile.Decisions);
        var lineCount = WriteLargeChain(path, targetBytes: 50L * 1024 * 1024);

        // A loose check. The peak managed-heap growth during the run, garbage not yet collected
        // included, stays below the file's size, which loading the file whole would exceed.
        var before = GC.GetTotalMemory(forceFullCollection: true);
        long peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                await Task.Delay(5);
            }
        });
        var result = await AuditVerifier.VerifyAsync(path);
        await sampling.CancelAsync();
        await sampler;

        Assert.True(result.IsIntact, result.FirstBreak?.Message);
        Assert.Equal(lineCount, result.LinesChecked);
        Assert.True(peak - before < new FileInfo(path).Length, $"The managed heap grew by {(peak - before) / 1024 / 1024} MiB while verifying a {new FileInfo(path).Length / 1024 / 1024} MiB file.");
    }

    /// <summary>
    /// Appends lines that follow the chain up to about <paramref name="targetBytes"/>, without the
    /// writer's fsync per line, which would make a 50 MB file take minutes; returns the line count.
    /// </summary>
    private static long WriteLargeChain(string path, long targetBytes)
    {
        var first = File.ReadAllBytes(path).AsSpan()[..^1].ToArray();
        var prev = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(first));
        var padding = new string('x', 400);
        var at = new DateTimeOffset(2026, 12, 4, 11, 0, 0, TimeSpan.Zero);
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 20);
        long seq = 1;
        while (stream.Length < targetBytes)
        {
            seq++;
            var data = new JsonObject { ["number"] = seq, ["padding"] = padding };
            var (line, _) = AuditLine.Format(seq, at, new AuditEvent(AuditEventTypes.Decision, "macha", "web-1", null), data, prev);
            stream.Write(line);
            stream.WriteByte((byte)'\n');
            prev = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(line));
        }

        return seq;
    }
}

/// <summary>
/// Tests that measure the process's managed heap. xunit runs this collection after the parallel
/// ones and alone, so no other test allocates during the measurement.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasurementCollection
{
    public const string Name = "Heap measurement";
}
