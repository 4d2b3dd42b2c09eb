using System.Diagnostics;
using System.Globalization;
using Macha.Core.Approvals;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Bench;

/// <summary>
/// Time from an approve request to the moment its executor wins the start, through the real
/// approval queue on a fresh SQLite database (WAL, as the app runs it).
/// </summary>
/// <remarks>
/// Each measured approval is queued outside the timed window. The window opens before the first
/// <see cref="ApprovalQueue.ApproveAsync"/> call and closes when <see cref="ApprovalQueue.TryStartExecutionAsync"/>
/// returns true. With <c>--racers N</c>, N callers approve and try to start the same approval at once,
/// as the dashboard, the API and the CLI might; the window then closes when the single winner's start returns.
/// </remarks>
internal static class ApprovalLatency
{
    // The target from the approval design: an approve request reaches the action's start within 200 ms at p99.
    private const double TargetP99Ms = 200;

    public static async Task<int> RunAsync(int approvals, int warmup, int racers, CancellationToken cancellationToken)
    {
        Report.PrintMachine();
        await using var graph = await BenchGraph.CreateAsync(initializeDatabase: true, cancellationToken);
        var queue = graph.Provider.GetRequiredService<ApprovalQueue>();
        Console.WriteLine($"Data directory: {graph.DataDirectory}");
        Console.WriteLine($"{approvals} measured approvals after {warmup} unmeasured, {racers} concurrent callers each");

        for (var i = 0; i < warmup; i++)
        {
            await MeasureOneAsync(queue, $"warmup-{i}", racers, cancellationToken);
        }

        var samples = new double[approvals];
        for (var i = 0; i < approvals; i++)
        {
            samples[i] = await MeasureOneAsync(queue, $"measured-{i}", racers, cancellationToken);
        }

        Array.Sort(samples);
        var p99 = Percentile(samples, 0.99);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Approve to start, ms: p50 {Percentile(samples, 0.50):F2}, p90 {Percentile(samples, 0.90):F2}, p99 {p99:F2}, max {samples[^1]:F2}, mean {samples.Average():F2}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Target p99 under {TargetP99Ms} ms: {(p99 < TargetP99Ms ? "met" : "NOT met")}"));
        return p99 < TargetP99Ms ? 0 : 1;
    }

    /// <returns>Milliseconds from the first approve call to the winning start.</returns>
    private static async Task<double> MeasureOneAsync(ApprovalQueue queue, string dedupKey, int racers, CancellationToken cancellationToken)
    {
        var request = new ApprovalRequest
        {
            HostName = "bench-host",
            ActionKind = "restart-unit",
            Argv = ["sudo", "-n", "systemctl", "restart", "bench.service"],
            Risk = "Low",
            Reason = "bench.service failed.",
            DedupKey = dedupKey,
        };
        var id = (await queue.EnqueueAsync(request, cancellationToken)).Approval.Id;

        var clock = Stopwatch.StartNew();
        var callers = Enumerable.Range(0, racers).Select(caller => Task.Run(
            async () =>
            {
                await queue.ApproveAsync(id, $"bench-user-{caller}", cancellationToken: cancellationToken);
                return await queue.TryStartExecutionAsync(id, ApprovalActors.Macha, cancellationToken)
                    ? clock.Elapsed.TotalMilliseconds
                    : (double?)null;
            },
            cancellationToken));
        var results = await Task.WhenAll(callers);

        var winners = results.Where(elapsed => elapsed is not null).ToList();
        if (winners.Count != 1)
        {
            throw new InvalidOperationException($"Approval {id} was started {winners.Count} times; exactly once was expected.");
        }

        // Outside the timed window, so the database grows as it would with finished actions.
        await queue.CompleteAsync(id, succeeded: true, "Finished by the benchmark.", cancellationToken);
        return winners[0]!.Value;
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double fraction)
    {
        var rank = (int)Math.Ceiling(fraction * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
