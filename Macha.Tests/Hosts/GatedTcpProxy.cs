using System.Net;
using System.Net.Sockets;

namespace Macha.Tests.Hosts;

/// <summary>
/// Accepts one TCP connection on a loopback port and forwards it to a test host only after the test
/// calls <see cref="Release"/>. Until then the client waits for the server's first bytes, so a test
/// can act at a known point inside the client's connection attempt, without sleeping.
/// </summary>
internal sealed class GatedTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly TaskCompletionSource _accepted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly IPAddress _upstreamAddress;
    private readonly int _upstreamPort;
    private Task _forwarding = Task.CompletedTask;

    private GatedTcpProxy(IPAddress upstreamAddress, int upstreamPort)
    {
        _upstreamAddress = upstreamAddress;
        _upstreamPort = upstreamPort;
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Completes when a client has connected to <see cref="Port"/>.</summary>
    public Task Accepted => _accepted.Task;

    public static GatedTcpProxy Start(string upstreamAddress, int upstreamPort)
    {
        var proxy = new GatedTcpProxy(IPAddress.Parse(upstreamAddress), upstreamPort);
        proxy._listener.Start();
        proxy._forwarding = proxy.ForwardAsync(proxy._stop.Token);
        return proxy;
    }

    /// <summary>Lets the waiting connection through to the upstream host.</summary>
    public void Release() => _released.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _forwarding;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // Stopping cuts the connection wherever it was.
        }

        _stop.Dispose();
    }

    private async Task ForwardAsync(CancellationToken cancellationToken)
    {
        using var client = await _listener.AcceptTcpClientAsync(cancellationToken);
        _accepted.TrySetResult();
        await _released.Task.WaitAsync(cancellationToken);

        using var upstream = new TcpClient(_upstreamAddress.AddressFamily);
        await upstream.ConnectAsync(_upstreamAddress, _upstreamPort, cancellationToken);
        var toUpstream = client.GetStream().CopyToAsync(upstream.GetStream(), cancellationToken);
        var toClient = upstream.GetStream().CopyToAsync(client.GetStream(), cancellationToken);

        // When either side closes, closing both ends the other copy too.
        await Task.WhenAny(toUpstream, toClient);
        client.Close();
        upstream.Close();
        try
        {
            await Task.WhenAll(toUpstream, toClient);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The copy still running when the sockets closed fails; the connection is over either way.
        }
    }
}
