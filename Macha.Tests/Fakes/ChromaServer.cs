using System.Diagnostics;
using System.Text;

namespace Macha.Tests.Fakes;

/// <summary>
/// A real Chroma 1.0 server: the Rust server shipped in the npm package
/// chromadb-js-bindings-linux-x64-gnu, started by tests/chroma/launcher.js on 127.0.0.1 with a
/// temporary data directory, and stopped by its process id.
/// </summary>
public sealed class ChromaServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    private readonly StringBuilder _output;
    private readonly string _dataDirectory;
    private readonly string _launcherDirectory;
    private readonly int _port;
    private Process _process;
    private bool _stopped;

    private ChromaServer(Process process, StringBuilder output, string launcherDirectory, string dataDirectory, int port)
    {
        _process = process;
        _output = output;
        _launcherDirectory = launcherDirectory;
        _dataDirectory = dataDirectory;
        _port = port;
        Uri = new Uri($"http://127.0.0.1:{port}/");
    }

    /// <summary>Base address, such as http://127.0.0.1:41234/.</summary>
    public Uri Uri { get; }

    public int ProcessId => _process.Id;

    public static async Task<ChromaServer> StartAsync()
    {
        var launcherDirectory = Path.Combine(FindRepositoryRoot(), "tests", "chroma");
        await EnsureInstalledAsync(launcherDirectory);

        var dataDirectory = Path.Combine(Path.GetTempPath(), $"macha-chroma-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dataDirectory);
        var port = LoopbackPort.FindUnused();
        var output = new StringBuilder();
        var server = new ChromaServer(Launch(launcherDirectory, dataDirectory, port, output), output, launcherDirectory, dataDirectory, port);
        try
        {
            await server.WaitUntilReadyAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>
    /// Starts the server again after <see cref="StopAsync"/>, on the same port and data directory, so
    /// clients configured with <see cref="Uri"/> reach it again and find their records.
    /// </summary>
    public async Task RestartAsync()
    {
        if (!_stopped)
        {
            throw new InvalidOperationException("The Chroma server is still running; stop it first.");
        }

        _process.Dispose();
        _process = Launch(_launcherDirectory, _dataDirectory, _port, _output);
        _stopped = false;
        await WaitUntilReadyAsync();
    }

    /// <summary>Stops the server with SIGTERM to its process id, then SIGKILL if it has not exited within ten seconds.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the temporary directory is cleaned up by the system later.
        }
    }

    private static Process Launch(string launcherDirectory, string dataDirectory, int port, StringBuilder output)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = launcherDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("launcher.js");
        start.ArgumentList.Add(dataDirectory);
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task WaitUntilReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = Uri, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The Chroma server exited with code {_process.ExitCode} before it answered:\n{Output()}");
            }

            try
            {
                using var response = await http.GetAsync("api/v2/heartbeat");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but not responding yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The Chroma server did not answer within {StartTimeout}:\n{Output()}");
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    /// <summary>Installs the npm package from the committed lock file when .ci/run has not done it already.</summary>
    private static async Task EnsureInstalledAsync(string launcherDirectory)
    {
        await InstallGate.WaitAsync();
        try
        {
            if (Directory.Exists(Path.Combine(launcherDirectory, "node_modules", "chromadb-js-bindings-linux-x64-gnu")))
            {
                return;
            }

            var start = new ProcessStartInfo("npm") { WorkingDirectory = launcherDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { "ci", "--no-audit", "--no-fund" })
            {
                start.ArgumentList.Add(argument);
            }

            using var npm = Process.Start(start)!;
            var output = npm.StandardOutput.ReadToEndAsync();
            var error = npm.StandardError.ReadToEndAsync();
            await npm.WaitForExitAsync();
            if (npm.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm ci in {launcherDirectory} failed with exit code {npm.ExitCode}:\n{await output}\n{await error}");
            }
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Macha.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Macha.sln above {AppContext.BaseDirectory}; the Chroma launcher is found relative to it.");
    }
}

/// <summary>One Chroma server for every test of the "chroma" collection, started once per test run.</summary>
public sealed class ChromaServerFixture : IAsyncLifetime
{
    public ChromaServer Server { get; private set; } = default!;

    public async Task InitializeAsync() => Server = await ChromaServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ChromaTestCollection : ICollectionFixture<ChromaServerFixture>
{
    public const string Name = "chroma";
}
