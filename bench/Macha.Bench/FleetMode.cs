using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Macha.Core.Cycle;
using Macha.Core.Storage;
using Macha.Core.Hosts;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Bench;

/// <summary>
/// Health cycles over fleets of real OpenSSH servers: the wall time of a cycle and the SSH
/// handshakes it costs, for each fleet size.
/// </summary>
/// <remarks>
/// Every host is Debian's sshd on 127.0.0.1 with its own port and host key, not a network
/// namespace: one namespace per host would add nothing to what is measured here, and loopback
/// keeps the run to this machine. So every remote command also runs on this machine's two cores,
/// and a large fleet measures CPU contention as much as Macha's own parallelism. Each fleet gets a
/// fresh service graph and database. The first cycle opens the connections; the later ones reuse
/// them, as cycles within <c>Macha:Hosts:ConnectionIdleTimeout</c> do. Needs root, like sshd.
/// </remarks>
internal static class FleetMode
{
    public static async Task<int> RunAsync(IReadOnlyList<int> fleetSizes, int cycles, int parallelHosts, CancellationToken cancellationToken)
    {
        await using var fleet = await LoopbackFleet.StartAsync(fleetSizes.Max(), cancellationToken);
        Console.WriteLine($"sshd servers on 127.0.0.1: {fleet.Count}; cycles per fleet: 1 cold + {cycles} warm; Macha:Cycle:MaxParallelHosts = {parallelHosts}");
        Console.WriteLine("Each cycle also collects this machine (the local host), as Macha always does.");
        Console.WriteLine();
        Console.WriteLine($"{"Hosts",5} {"Cold ms",8} {"Cold handshakes",15} {"Warm median ms",14} {"Warm min ms",11} {"Warm max ms",11} {"Warm handshakes/cycle",21} {"Commands/host/cycle",19} {"Macha CPU ms/cycle",18} {"Cores busy",10} {"Hosts failed",12}");

        foreach (var size in fleetSizes)
        {
            await using var graph = await BenchGraph.CreateAsync(initializeDatabase: true, fleet.Settings(size, parallelHosts), cancellationToken);
            var healthCycle = graph.Provider.GetRequiredService<HealthCycle>();
            var registry = graph.Provider.GetRequiredService<HostRegistry>();
            var shells = Enumerable.Range(0, size).Select(i => registry.FindShell(LoopbackFleet.HostName(i))!).ToList();

            var cold = await TimeCycleAsync(healthCycle, cancellationToken);
            var coldHandshakes = shells.Sum(shell => shell.HandshakeCount);
            var coldCommands = shells.Sum(shell => shell.CommandCount);

            // Macha's own CPU time, apart from the sshd servers and their commands that share the machine.
            using var self = Process.GetCurrentProcess();
            var cpuBefore = self.TotalProcessorTime;
            var busyBefore = MachineBusyTime();
            var wall = Stopwatch.StartNew();
            var warm = new List<double>();
            for (var i = 0; i < cycles; i++)
            {
                warm.Add(await TimeCycleAsync(healthCycle, cancellationToken));
            }

            self.Refresh();
            var coresBusy = (MachineBusyTime() - busyBefore) / wall.Elapsed;
            var cpuPerCycle = (self.TotalProcessorTime - cpuBefore).TotalMilliseconds / cycles;
            var warmHandshakes = (shells.Sum(shell => shell.HandshakeCount) - coldHandshakes) / (double)cycles;
            var commandsPerHost = (shells.Sum(shell => shell.CommandCount) - coldCommands) / (double)cycles / size;
            var failed = shells.Count(shell => shell.State.Failure is not null);
            warm.Sort();
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{size,5} {cold,8:0} {coldHandshakes,15} {warm[warm.Count / 2],14:0} {warm[0],11:0} {warm[^1],11:0} {warmHandshakes,21:0.##} {commandsPerHost,19:0.#} {cpuPerCycle,18:0} {coresBusy,10:0.00} {failed,12}"));
        }

        return 0;
    }

    /// <summary>
    /// Returns the CPU time every process on the machine has used since boot, from the first line of
    /// /proc/stat: user, nice, system, irq and softirq, in clock ticks of 1/100 s.
    /// </summary>
    private static TimeSpan MachineBusyTime()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..]
            .Select(field => long.Parse(field, CultureInfo.InvariantCulture))
            .ToArray();
        var busyTicks = fields[0] + fields[1] + fields[2] + fields[5] + fields[6];
        return TimeSpan.FromMilliseconds(busyTicks * 10.0);
    }

    private static async Task<double> TimeCycleAsync(HealthCycle healthCycle, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var run = await healthCycle.RunAsync(CycleTrigger.Manual, cancellationToken: cancellationToken);
        stopwatch.Stop();
        if (run.State != CycleState.Completed)
        {
            Console.Error.WriteLine($"Cycle {run.Id} ended {run.State}: {run.Error}");
        }

        return stopwatch.Elapsed.TotalMilliseconds;
    }

    /// <summary>sshd servers on loopback ports, each with its own host key, sharing one client key.</summary>
    private sealed class LoopbackFleet : IAsyncDisposable
    {
        private readonly string _directory;
        private readonly List<(Process Server, int Port, string Fingerprint)> _hosts = [];

        private LoopbackFleet(string directory)
        {
            _directory = directory;
        }

        public int Count => _hosts.Count;

        private string ClientKeyFile => Path.Combine(_directory, "client_key");

        public static string HostName(int index) => string.Create(CultureInfo.InvariantCulture, $"bench-{index + 1:00}");

        public static async Task<LoopbackFleet> StartAsync(int count, CancellationToken cancellationToken)
        {
            Directory.CreateDirectory("/run/sshd");
            var fleet = new LoopbackFleet(Directory.CreateTempSubdirectory("macha-bench-fleet-").FullName);
            try
            {
                await RunCheckedAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", fleet.ClientKeyFile);
                for (var i = 0; i < count; i++)
                {
                    await fleet.StartHostAsync(i, cancellationToken);
                }

                return fleet;
            }
            catch
            {
                await fleet.DisposeAsync();
                throw;
            }
        }

        /// <summary>Configuration for the first <paramref name="size"/> hosts, with their keys pinned.</summary>
        public Dictionary<string, string?> Settings(int size, int parallelHosts)
        {
            var settings = new Dictionary<string, string?>
            {
                ["Macha:Cycle:MaxParallelHosts"] = parallelHosts.ToString(CultureInfo.InvariantCulture),
            };
            for (var i = 0; i < size; i++)
            {
                var prefix = $"Macha:Hosts:Remote:{i}:";
                settings[prefix + "Name"] = HostName(i);
                settings[prefix + "Address"] = "127.0.0.1";
                settings[prefix + "Port"] = _hosts[i].Port.ToString(CultureInfo.InvariantCulture);
                settings[prefix + "User"] = "root";
                settings[prefix + "PrivateKeyFile"] = ClientKeyFile;
                settings[prefix + "HostKeyFingerprints:0"] = _hosts[i].Fingerprint;
            }

            return settings;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var (server, _, _) in _hosts)
            {
                try
                {
                    server.Kill(entireProcessTree: true);
                    await server.WaitForExitAsync();
                }
                catch (InvalidOperationException)
                {
                    // It had already exited.
                }

                server.Dispose();
            }

            Directory.Delete(_directory, recursive: true);
        }

        private async Task StartHostAsync(int index, CancellationToken cancellationToken)
        {
            var hostKey = Path.Combine(_directory, $"host_key_{index}");
            await RunCheckedAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey);
            var fingerprint = (await RunCheckedAsync("ssh-keygen", "-l", "-E", "sha256", "-f", hostKey + ".pub")).Split(' ')[1];
            var port = FreeLoopbackPort();
            var config = Path.Combine(_directory, $"sshd_config_{index}");
            await File.WriteAllTextAsync(config, $"""
                ListenAddress 127.0.0.1
                Port {port}
                HostKey {hostKey}
                PidFile none
                AuthorizedKeysFile {ClientKeyFile}.pub
                StrictModes no
                UsePAM no
                PermitRootLogin prohibit-password
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                """, cancellationToken);

            // sshd runs every command through root's login shell, and bash reads ~/.bashrc when sshd
            // starts it. An empty /root in a private mount namespace keeps this machine's own startup
            // files (pyenv here, at 80 ms a command) out of the measurement, as a dedicated remote
            // user would. exec keeps the server's PID the one started here.
            var start = new ProcessStartInfo("unshare") { RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { "--mount", "--propagation", "private", "--", "sh", "-c", "mount -t tmpfs -o mode=0700 tmpfs /root && exec /usr/sbin/sshd -D -e -f \"$0\"", config })
            {
                start.ArgumentList.Add(argument);
            }

            var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var server = new Process { StartInfo = start };
            var log = new StringBuilder();
            server.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    listening.TrySetException(new InvalidOperationException($"sshd on port {port} exited before listening: {log}"));
                    return;
                }

                lock (log)
                {
                    log.AppendLine(e.Data);
                }

                if (e.Data.Contains("Server listening on", StringComparison.Ordinal))
                {
                    listening.TrySetResult();
                }
            };
            server.Start();
            server.BeginErrorReadLine();
            _hosts.Add((server, port, fingerprint));
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }

        private static int FreeLoopbackPort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        private static async Task<string> RunCheckedAsync(string program, params string[] arguments)
        {
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{program} exited with code {process.ExitCode}: {await error}");
            }

            return await output;
        }
    }
}
