using System.Globalization;
using BenchmarkDotNet.Running;
using Macha.Bench;

const string Usage = """
    Usage: dotnet run -c Release --project bench/Macha.Bench -- MODE [OPTIONS]

    Modes:
      collect [BenchmarkDotNet options]   wall time and allocations of a local collection and of each
                                          collector (BenchmarkDotNet; all benchmarks unless --filter is given)
      cpu [--collections N] [--warmup N]  CPU time per collection, including child processes
                                          (default: 200 measured after 20 unmeasured)
      soak [--cycles N] [--sample-every N]
                                          N health cycles back to back on a fresh database, printing
                                          resident memory every --sample-every cycles
                                          (default: 1000 cycles, a sample every 100)
      fleet [--hosts 1,10,50] [--cycles N] [--parallel N]
                                          health cycles over fleets of sshd servers on 127.0.0.1:
                                          cycle wall time and SSH handshakes per cycle for each
                                          fleet size (default: 5 warm cycles after a cold one,
                                          Macha:Cycle:MaxParallelHosts 32); needs root, sshd
                                          and unshare
    """;

if (args.Length == 0)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

var mode = args[0];
var rest = args[1..];
try
{
    switch (mode)
    {
        case "collect":
            // Without a filter BenchmarkDotNet asks on the console which benchmark to run.
            var benchmarkArguments = rest.Contains("--filter") ? rest : [.. rest, "--filter", "*"];
            BenchmarkSwitcher.FromTypes([typeof(LocalCollectionBenchmarks), typeof(CollectorBenchmarks)]).Run(benchmarkArguments);
            return 0;

        case "cpu":
            Report.PrintMachine();
            return await CpuTimeMode.RunAsync(
                ReadPositive(rest, "--collections", 200),
                ReadPositive(rest, "--warmup", 20, allowZero: true),
                cancellation.Token);

        case "soak":
            Report.PrintMachine();
            return await SoakMode.RunAsync(
                ReadPositive(rest, "--cycles", 1000),
                ReadPositive(rest, "--sample-every", 100),
                cancellation.Token);

        case "fleet":
            Report.PrintMachine();
            return await FleetMode.RunAsync(
                ReadList(rest, "--hosts", [1, 10, 50]),
                ReadPositive(rest, "--cycles", 5),
                ReadPositive(rest, "--parallel", 32),
                cancellation.Token);

        case "mapreduce-memory": // [--megabytes N] [--context-tokens N]: peak memory while map-reducing an N MB log
            return await MapReduceMemory.RunAsync(rest, cancellation.Token);

        case "approval-latency": // [--approvals N] [--warmup N] [--racers N]: time from approve to execution start
            return await ApprovalLatency.RunAsync(ReadPositive(rest, "--approvals", 1000), ReadPositive(rest, "--warmup", 50, allowZero: true), ReadPositive(rest, "--racers", 1), cancellation.Token);

        default:
            Console.Error.WriteLine($"Unknown mode '{mode}'.");
            Console.Error.WriteLine(Usage);
            return 2;
    }
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(Usage);
    return 2;
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    Console.Error.WriteLine("Cancelled.");
    return 130;
}

static int ReadPositive(string[] arguments, string name, int defaultValue, bool allowZero = false)
{
    var index = Array.IndexOf(arguments, name);
    if (index < 0)
    {
        return defaultValue;
    }

    var minimum = allowZero ? 0 : 1;
    if (index + 1 >= arguments.Length
        || !int.TryParse(arguments[index + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value)
        || value < minimum)
    {
        throw new ArgumentException($"{name} needs a whole number of at least {minimum}.", nameof(arguments));
    }

    return value;
}

static int[] ReadList(string[] arguments, string name, int[] defaultValue)
{
    var index = Array.IndexOf(arguments, name);
    if (index < 0)
    {
        return defaultValue;
    }

    var parts = index + 1 < arguments.Length ? arguments[index + 1].Split(',') : [];
    var values = new List<int>();
    foreach (var part in parts)
    {
        if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
        {
            throw new ArgumentException($"{name} needs whole numbers of at least 1, separated by commas, such as 1,10,50.", nameof(arguments));
        }

        values.Add(value);
    }

    return values.Count > 0 ? [.. values] : throw new ArgumentException($"{name} needs at least one number.", nameof(arguments));
}
