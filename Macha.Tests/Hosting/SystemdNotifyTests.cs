using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Macha.Tests.Fakes;

namespace Macha.Tests.Hosting;

/// <summary>
/// Starts the real program as systemd would for a Type=notify unit, and without systemd, and checks
/// that it reports readiness in the first case and starts normally in the second.
/// </summary>
public sealed partial class SystemdNotifyTests
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Start_WithoutNotifySocket_ServesTheApi()
    {
        using var data = new TestDataDirectory();

        using var process = Process.Start(MachaProcess.StartInfo(data.Path))!;
        try
        {
            var url = await ReadListeningUrlAsync(process);
            using var client = new HttpClient { BaseAddress = new Uri(url) };
            using var response = await client.GetAsync(new Uri("/api/health", UriKind.Relative));

            Assert.True(response.IsSuccessStatusCode, $"GET /api/health returned {(int)response.StatusCode}");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Start_UnderSystemdNotify_SendsReady()
    {
        using var data = new TestDataDirectory();
        var socketPath = Path.Combine(data.Path, "notify.sock");
        using var notifySocket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notifySocket.Bind(new UnixDomainSocketEndPoint(socketPath));

        // Microsoft.Extensions.Hosting.Systemd 10.0 counts a process as a systemd service when its
        // parent's name is "systemd". A shell started through a link of that name is such a parent.
        var parent = Path.Combine(data.Path, "systemd");
        File.CreateSymbolicLink(parent, "/bin/sh");
        var dotnet = MachaProcess.StartInfo(data.Path);
        var start = new ProcessStartInfo(parent, ["-c", "\"$0\" \"$@\"; exit $?", dotnet.FileName, .. dotnet.ArgumentList])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var (name, value) in dotnet.Environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["NOTIFY_SOCKET"] = socketPath;

        using var process = Process.Start(start)!;
        try
        {
            var messages = await ReceiveUntilReadyAsync(notifySocket);

            Assert.Contains("READY=1", messages);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    // Collects notify messages until one says READY=1, or the start limit passes.
    private static async Task<List<string>> ReceiveUntilReadyAsync(Socket socket)
    {
        var messages = new List<string>();
        var buffer = new byte[4096];
        using var limit = new CancellationTokenSource(StartLimit);
        try
        {
            while (!messages.Any(message => message.Split('\n').Contains("READY=1")))
            {
                var received = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token);
                messages.Add(Encoding.UTF8.GetString(buffer, 0, received));
            }
        }
        catch (OperationCanceledException)
        {
            // The assertion reports what arrived before the limit.
        }

        return messages;
    }

    // Reads standard output until ASP.NET Core logs the address it bound, such as http://127.0.0.1:41234.
    private static async Task<string> ReadListeningUrlAsync(Process process)
    {
        using var limit = new CancellationTokenSource(StartLimit);
        while (await process.StandardOutput.ReadLineAsync(limit.Token) is { } line)
        {
            var match = ListeningUrl().Match(line);
            if (match.Success)
            {
                return match.Value;
            }
        }

        throw new InvalidOperationException($"macha exited with code {process.ExitCode} before it listened: {await process.StandardError.ReadToEndAsync()}");
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:[0-9]+")]
    private static partial Regex ListeningUrl();
}
