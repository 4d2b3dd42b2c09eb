using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Macha.Core.Analysis;
using Macha.Core.Analysis.MapReduce;
using Macha.Core.Configuration;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Macha.Bench;

/// <summary>
/// Peak memory while a large synthetic journal is cached and map-reduced. The chat client and the
/// queue are fakes that return at once, so the figures measure the cache, the chunker and the prompt
/// building, not a model.
/// </summary>
internal static class MapReduceMemory
{
    private const long Mebibyte = 1024 * 1024;

    // The target: the reduction may use at most this much memory above the baseline.
    private const long LimitBytes = 64 * Mebibyte;

    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(10);

    public static async Task<int> RunAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var logMegabytes = ReadOption(arguments, "--megabytes", 100);
        var contextTokens = ReadOption(arguments, "--context-tokens", 8192);

        var directory = Directory.CreateTempSubdirectory("macha-mapreduce-bench-").FullName;
        try
        {
            var logPath = Path.Combine(directory, "journal.log");
            var lineCount = await WriteSyntheticJournalAsync(logPath, logMegabytes * Mebibyte, cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Generated {logPath}: {new FileInfo(logPath).Length} bytes, {lineCount} lines; num_ctx {contextTokens}"));

            var options = new FixedOptionsMonitor<MapReduceOptions>(new MapReduceOptions
            {
                CacheMaxEntryBytes = 512 * Mebibyte,
                CacheMaxTotalBytes = 512 * Mebibyte,
                MaxModelCalls = 100_000,
            });
            var analysis = new FixedOptionsMonitor<AnalysisOptions>(new AnalysisOptions { ContextTokens = contextTokens });
            var macha = new FixedOptionsMonitor<MachaOptions>(new MachaOptions { DataDirectory = Path.Combine(directory, "data") });
            using var cache = new LargeOutputCache(macha, options, TimeProvider.System, NullLogger<LargeOutputCache>.Instance);
            using var chatClient = new ShortSummaryChatClient();
            var reducer = new OutputReducer(cache, new ImmediateQueue(), chatClient, analysis, options, TimeProvider.System, NullLogger<OutputReducer>.Instance);

            // Collect twice so finalizers run and the baseline holds only what stays alive.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var baseline = Sample();
            Console.WriteLine($"Baseline: {Format(baseline)}");

            using var sampling = new CancellationTokenSource();
            var peak = baseline;
            var sampler = Task.Run(
                async () =>
                {
                    using var timer = new PeriodicTimer(SampleInterval);
                    while (await timer.WaitForNextTickAsync(sampling.Token))
                    {
                        peak = peak.Max(Sample());
                    }
                },
                CancellationToken.None);

            var started = TimeProvider.System.GetTimestamp();
            CachedOutputInfo info;
            await using (var log = File.OpenRead(logPath))
            {
                info = await cache.StoreAsync(log, "synthetic journal", cancellationToken);
            }

            var stored = TimeProvider.System.GetElapsedTime(started);
            var result = await reducer.ReduceAsync(info.Id, "Which units failed, and why?", ModelRequestPriority.Background, cancellationToken);
            var reduced = TimeProvider.System.GetElapsedTime(started) - stored;

            await sampling.CancelAsync();
            try
            {
                await sampler;
            }
            catch (OperationCanceledException)
            {
                // The sampler ends by cancellation.
            }

            peak = peak.Max(Sample());
            var difference = peak - baseline;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Stored {info.ByteSize} bytes, {info.LineCount} lines in {stored.TotalSeconds:0.0} s"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Reduced in {reduced.TotalSeconds:0.0} s: {result.ChunkCount} chunks, {result.ModelCalls} model calls, {result.ReduceLevels} reduce levels, {chatClient.MaxPromptChars} chars in the longest prompt"));
            Console.WriteLine($"Peak:       {Format(peak)}");
            Console.WriteLine($"Difference: {Format(difference)}");

            var met = difference.ResidentBytes < LimitBytes && difference.HeapBytes < LimitBytes;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Target: under {LimitBytes / Mebibyte} MiB above the baseline, for VmRSS and the GC heap: {(met ? "met" : "NOT met")}"));
            return met ? 0 : 1;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static MemorySample Sample() =>
        new(ProcessStats.ReadResidentMemory().TotalBytes, GC.GetTotalMemory(forceFullCollection: false));

    private static string Format(MemorySample sample) =>
        string.Create(CultureInfo.InvariantCulture, $"VmRSS {sample.ResidentBytes / (double)Mebibyte,8:0.0} MiB, GC heap {sample.HeapBytes / (double)Mebibyte,8:0.0} MiB");

    /// <summary>Writes journal-like lines until the file reaches <paramref name="targetBytes"/>; returns the line count.</summary>
    private static async Task<long> WriteSyntheticJournalAsync(string path, long targetBytes, CancellationToken cancellationToken)
    {
        string[] units = ["nginx.service", "postgresql.service", "sshd.service", "systemd-resolved.service", "backup.timer", "docker.service"];
        await using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1024 * 1024);
        var random = new Random(42);
        var time = new DateTime(2026, 12, 4, 0, 0, 0, DateTimeKind.Utc);
        long lines = 0, bytes = 0;
        while (bytes < targetBytes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            time = time.AddMilliseconds(random.Next(1, 400));
            var unit = units[random.Next(units.Length)];
            var pid = random.Next(300, 65_000);
            var line = (lines % 97) switch
            {
                0 => $"{time:MMM dd HH:mm:ss} host1 systemd[1]: {unit}: Main process exited, code=exited, status=1/FAILURE",
                1 => $"{time:MMM dd HH:mm:ss} host1 kernel: [{lines / 10.0:0.000000}] Out of memory: Killed process {pid} (postgres) total-vm:{random.Next(100_000, 9_000_000)}kB",
                _ => $"{time:MMM dd HH:mm:ss} host1 {unit.Split('.')[0]}[{pid}]: request {lines} from 10.0.{random.Next(256)}.{random.Next(256)} took {random.Next(1, 5000)} ms, status {(random.Next(10) == 0 ? 502 : 200)}",
            };
            await writer.WriteLineAsync(line.AsMemory(), cancellationToken);
            bytes += Encoding.UTF8.GetByteCount(line) + 1;
            lines++;
        }

        return lines;
    }

    private static int ReadOption(string[] arguments, string name, int defaultValue)
    {
        var index = Array.IndexOf(arguments, name);
        if (index < 0)
        {
            return defaultValue;
        }

        if (index + 1 >= arguments.Length
            || !int.TryParse(arguments[index + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            || value < 1)
        {
            throw new ArgumentException($"{name} needs a whole number of at least 1.", nameof(arguments));
        }

        return value;
    }

    private readonly record struct MemorySample(long ResidentBytes, long HeapBytes)
    {
        public MemorySample Max(MemorySample other) =>
            new(Math.Max(ResidentBytes, other.ResidentBytes), Math.Max(HeapBytes, other.HeapBytes));

        public static MemorySample operator -(MemorySample left, MemorySample right) =>
            new(left.ResidentBytes - right.ResidentBytes, left.HeapBytes - right.HeapBytes);
    }

    private sealed class FixedOptionsMonitor<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }

    /// <summary>Runs each request at once, as an idle queue with one slot would.</summary>
    private sealed class ImmediateQueue : IModelRequestQueue
    {
        public Task<T> RunAsync<T>(
            ModelRequestPriority priority,
            string description,
            Func<CancellationToken, Task<T>> work,
            TimeSpan? timeout = null,
            CancellationToken cancellationToken = default) => work(cancellationToken);

        public ModelQueueState GetState() => new(1, [], [], 0, 0, 0);
    }

    /// <summary>Returns a short summary at once and keeps only the length of the longest prompt.</summary>
    private sealed class ShortSummaryChatClient : IChatClient
    {
        private int _calls;

        public int MaxPromptChars { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            MaxPromptChars = Math.Max(MaxPromptChars, messages.Sum(message => message.Text.Length));
            var call = Interlocked.Increment(ref _calls);
            var text = string.Create(CultureInfo.InvariantCulture, $"Part {call}: nginx.service failed 3 times with status=1/FAILURE; postgres was killed by the OOM killer twice.");
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text)));
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages,
            ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var response = await GetResponseAsync(messages, options, cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, response.Text);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
