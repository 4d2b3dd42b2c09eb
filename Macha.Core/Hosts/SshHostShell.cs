using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Messages.Transport;

namespace Macha.Core.Hosts;

/// <summary>
/// Runs commands on a remote host over one SSH connection, opened on first use and reused until it
/// is idle for <see cref="HostsOptions.ConnectionIdleTimeout"/>. Host keys are checked against
/// <see cref="IHostKeyStore"/> during the handshake; only the host's own private key is offered.
/// </summary>
/// <remarks>
/// After a failed connection no new attempt is made until a delay passes, so the many commands of
/// one cycle cost one handshake, and failed authentications back off exponentially instead of
/// adding log lines that fail2ban or sshguard would count. A host-key mismatch blocks the host until
/// <see cref="Unblock"/> is called after a person confirms the new key.
/// </remarks>
internal sealed partial class SshHostShell : IRemoteHostShell, IDisposable
{
    // sudo -n prints this and exits with code 1 when no NOPASSWD rule covers the command.
    private const string SudoPasswordMessage = "a password is required";

    private static readonly TimeSpan MaxProbeTimeout = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly IHostKeyStore _keys;
    private readonly HostsOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<SshHostShell> _logger;
    private readonly ITimer _idleTimer;

    private SshClient? _client;
    private long _lastUsed;
    private int _handshakes;
    private int _commands;
    private int _consecutiveAuthenticationFailures;
    private DateTimeOffset? _retryAt;
    private bool _blocked;
    private bool _disposed;
    private volatile HostConnectionState _state = HostConnectionState.NotConnected;

    public SshHostShell(RemoteHost host, IHostKeyStore keys, HostsOptions options, TimeProvider timeProvider, ILogger<SshHostShell> logger)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentException.ThrowIfNullOrWhiteSpace(host.Name);
        Host = host;
        _keys = keys;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        var period = options.ConnectionIdleTimeout / 2;
        _idleTimer = timeProvider.CreateTimer(_ => CloseIfIdle(), null, period, period);
    }

    public RemoteHost Host { get; }

    /// <summary>The key store every handshake of this shell checks the presented key against.</summary>
    internal IHostKeyStore KeyStore => _keys;

    public string HostName => Host.Name;

    public HostConnectionState State => _state;

    public int HandshakeCount => Volatile.Read(ref _handshakes);

    public int CommandCount => Volatile.Read(ref _commands);

    /// <summary>True while a host-key mismatch keeps every command from running.</summary>
    public bool IsBlocked => Volatile.Read(ref _blocked);

    /// <summary>
    /// Lifts a host-key block and any back-off, after a person pinned the key now presented or fixed
    /// the configuration. The next command connects again.
    /// </summary>
    public void Unblock()
    {
        Volatile.Write(ref _blocked, false);
        _retryAt = null;
        _consecutiveAuthenticationFailures = 0;
        _state = _state with { Failure = null, Detail = null };
    }

    /// <summary>Marks the host as blocked by a key mismatch recorded earlier, such as before a restart.</summary>
    public void Block(HostKeyOffer? presentedKey, string detail)
    {
        Volatile.Write(ref _blocked, true);
        _state = new HostConnectionState(HostFailure.HostKeyMismatch, detail, presentedKey, _state.LastContactAt);
        DisposeClient();
    }

    public async Task<HostConnectionState> ConnectAsync(CancellationToken cancellationToken = default)
    {
        await EnsureConnectedAsync(cancellationToken);
        return _state;
    }

    public async Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);

        var client = await EnsureConnectedAsync(cancellationToken);
        if (client is null)
        {
            var state = _state;
            return new CommandResult(CommandStatus.Failed, null, "", "", TimeSpan.Zero, FailureReason: state.Detail, Failure: state.Failure);
        }

        var result = await ExecuteAsync(client, request, cancellationToken);
        if (result.Status == CommandStatus.TimedOut && result.Failure is null && !await ProbeAsync(client, cancellationToken))
        {
            // The command did not finish, and a trivial one did not either: the connection hangs.
            MarkFailed(client, HostFailure.TimedOut, $"{HostName} stopped answering over SSH while running {request.DisplayText}; Macha will connect again after {_options.RetryDelay}.");
            return result with { Failure = HostFailure.TimedOut, FailureReason = _state.Detail };
        }

        return result;
    }

    public async Task<FileReadResult> ReadFileAsync(string path, int maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);

        // head stops reading at the cap, so a large file costs no more than maxBytes on the wire.
        var request = new CommandRequest(
            "head", ["-c", maxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--", path], CommandRequest.DefaultTimeout, Math.Max(maxBytes, 1));
        var result = await RunAsync(request, cancellationToken);
        if (result.Succeeded)
        {
            return new FileReadResult(true, result.StandardOutput);
        }

        return FileReadResult.Missing(result.Status == CommandStatus.Exited
            ? result.StandardError.Trim()
            : result.Describe(request.DisplayText));
    }

    public async Task<IReadOnlyList<FileReadResult>> ReadFilesAsync(IReadOnlyList<FileReadRequest> files, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        if (files.Count == 0)
        {
            return [];
        }

        var boundary = "macha-" + Guid.NewGuid().ToString("N");
        var request = FileReadBatch.BuildRequest(files, boundary, timeout);
        var result = await RunAsync(request, cancellationToken);
        if (result.Succeeded)
        {
            return FileReadBatch.Parse(result.StandardOutput, boundary, files);
        }

        // The reason names the limit, as a local read that runs out of time does, not the time taken.
        var reason = result.Status == CommandStatus.TimedOut && result.Failure is null
            ? $"{request.DisplayText} did not finish within {request.Timeout.TotalSeconds:0.###} s"
            : result.Describe(request.DisplayText);
        return files.Select(_ => FileReadResult.Missing(reason)).ToList();
    }

    /// <summary>
    /// Closes the connection and makes every later command fail without connecting. A cycle or an
    /// action may still hold the shell when a confirmation replaces it, so this is safe during use.
    /// </summary>
    public void Dispose()
    {
        // The gate stays undisposed, because a command in flight still releases it. A SemaphoreSlim
        // needs disposing only once its AvailableWaitHandle has been created, which never happens here.
        Volatile.Write(ref _disposed, true);
        _state = new HostConnectionState(HostFailure.ConnectionLost,
            $"The SSH connection to {HostName} was closed, because its connection settings changed or Macha is stopping.", _state.PresentedKey, _state.LastContactAt);
        _idleTimer.Dispose();
        DisposeClient();
    }

    private async Task<SshClient?> EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        await _connectGate.WaitAsync(cancellationToken);
        try
        {
            if (Volatile.Read(ref _disposed))
            {
                return null;
            }

            if (_client is { IsConnected: true } open)
            {
                Touch();
                return open;
            }

            if (IsBlocked)
            {
                return null;
            }

            var now = _timeProvider.GetUtcNow();
            if (_retryAt is { } retryAt && now < retryAt)
            {
                return null;
            }

            DisposeClient();
            return await OpenAsync(cancellationToken);
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private async Task<SshClient?> OpenAsync(CancellationToken cancellationToken)
    {
        PrivateKeyFile key;
        try
        {
            key = new PrivateKeyFile(Host.PrivateKeyFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SshException or ArgumentException)
        {
            // The message names the file but never its content.
            return Fail(null, HostFailure.InvalidConfiguration,
                $"The private key file {Host.PrivateKeyFile} for {HostName} cannot be used ({ex.GetType().Name}: {ex.Message}); set a readable, unencrypted key file for the host.", null);
        }

        var connection = new ConnectionInfo(Host.Address, Host.Port, Host.User, new PrivateKeyAuthenticationMethod(Host.User, key))
        {
            Timeout = _options.ConnectTimeout,
        };
        var client = new SshClient(connection) { KeepAliveInterval = _options.KeepAliveInterval };

        HostKeyOffer? offer = null;
        var verdict = HostKeyVerdict.NotPinned;
        client.HostKeyReceived += (_, e) =>
        {
            offer = new HostKeyOffer(e.HostKeyName, HostKeyFingerprint.FromDigestBase64(e.FingerPrintSHA256));
            verdict = _keys.Evaluate(HostName, offer);
            e.CanTrust = verdict is HostKeyVerdict.Pinned or HostKeyVerdict.FirstUse;
        };

        Interlocked.Increment(ref _handshakes);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_options.ConnectTimeout * 3);
        try
        {
            await client.ConnectAsync(limit.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            key.Dispose();
            return await RejectAsync(ex, offer, verdict);
        }

        if (verdict == HostKeyVerdict.FirstUse && offer is not null)
        {
            await _keys.RecordAsync(HostName, offer, verdict, cancellationToken);

            // A person may have pinned another key during the handshake, and then the first-use
            // pin was not stored. The connection is kept only if the key is pinned now.
            var stored = _keys.Evaluate(HostName, offer);
            if (stored != HostKeyVerdict.Pinned)
            {
                client.Dispose();
                key.Dispose();
                return await RejectAsync(new SshConnectionException($"Another key of {HostName} was pinned during the handshake."), offer, stored);
            }

            LogKeyPinnedOnFirstUse(HostName, offer.Algorithm, offer.Fingerprint);
        }

        _client = client;
        if (Volatile.Read(ref _disposed))
        {
            // Dispose ran during the handshake and found no client to close.
            DisposeClient();
            return null;
        }

        _retryAt = null;
        _consecutiveAuthenticationFailures = 0;
        _state = new HostConnectionState(null, null, offer, _timeProvider.GetUtcNow());
        Touch();
        LogConnected(HostName, Host.Address, Host.Port);
        return client;
    }

    /// <summary>
    /// Records and reports a failed handshake. A mismatched key blocks the shell unless a person
    /// confirmed that very key while Macha was connecting.
    /// </summary>
    private async Task<SshClient?> RejectAsync(Exception exception, HostKeyOffer? offer, HostKeyVerdict verdict)
    {
        if (offer is not null && verdict == HostKeyVerdict.Mismatch)
        {
            // Stored before anything else runs, so the block survives a restart of Macha.
            await _keys.RecordAsync(HostName, offer, verdict, CancellationToken.None);

            // The shell is blocked before the key is looked up again. A confirmation that pins the key
            // later unblocks the shell itself, and one that pinned it earlier is seen by this lookup.
            Volatile.Write(ref _blocked, true);
            if (_keys.Evaluate(HostName, offer) == HostKeyVerdict.Pinned)
            {
                Volatile.Write(ref _blocked, false);
                return Fail(exception, HostFailure.ConnectionLost,
                    $"{HostName} presented the {offer.Algorithm} key {offer.Fingerprint}, which a person confirmed while Macha was connecting; Macha connects again in the next cycle.", offer, TimeSpan.Zero);
            }
        }

        return FailConnect(exception, offer, verdict);
    }

    private SshClient? FailConnect(Exception exception, HostKeyOffer? offer, HostKeyVerdict verdict)
    {
        var endpoint = $"{Host.Address} port {Host.Port}";
        if (offer is not null && verdict == HostKeyVerdict.Mismatch)
        {
            return Fail(exception, HostFailure.HostKeyMismatch,
                $"{HostName} ({endpoint}) presented the {offer.Algorithm} key {offer.Fingerprint}, which is not its pinned key. All work on the host has stopped; check the key on the host's console and confirm it in Macha only if it is expected.", offer);
        }

        if (offer is not null && verdict == HostKeyVerdict.NotPinned)
        {
            return Fail(exception, HostFailure.HostKeyNotPinned,
                $"{HostName} ({endpoint}) presented the {offer.Algorithm} key {offer.Fingerprint}, but it has no pinned key and trust on first use is off; pin the key after checking it on the host.", offer);
        }

        return exception switch
        {
            SocketException { SocketErrorCode: SocketError.ConnectionRefused } =>
                Fail(exception, HostFailure.ConnectionRefused, $"{endpoint} refused the connection: nothing listens there, or sshd is stopped.", offer),
            SocketException { SocketErrorCode: SocketError.TimedOut } or SshOperationTimeoutException or OperationCanceledException =>
                Fail(exception, HostFailure.TimedOut, $"Connecting to {endpoint} timed out after {_options.ConnectTimeout}: the host or a firewall drops packets.", offer),
            SocketException socket =>
                Fail(exception, HostFailure.Unreachable, $"{endpoint} is unreachable: {socket.SocketErrorCode} ({socket.Message}).", offer),
            SshAuthenticationException =>
                FailAuthentication(exception, endpoint, offer),
            SshConnectionException connection when connection.DisconnectReason == DisconnectReason.NoMoreAuthenticationMethodsAvailable
                || connection.Message.Contains("authentication", StringComparison.OrdinalIgnoreCase) =>
                FailAuthentication(exception, endpoint, offer),
            _ =>
                Fail(exception, HostFailure.ConnectionLost, $"The SSH handshake with {endpoint} failed: {exception.Message}", offer),
        };
    }

    private SshClient? FailAuthentication(Exception exception, string endpoint, HostKeyOffer? offer)
    {
        // Doubling back-off: every attempt with a rejected key adds a failure to the host's auth log.
        var failures = ++_consecutiveAuthenticationFailures;
        var factor = Math.Pow(2, Math.Min(failures - 1, 16));
        var delay = TimeSpan.FromTicks((long)Math.Min(_options.AuthenticationFailureBackoff.Ticks * factor, _options.AuthenticationFailureMaxBackoff.Ticks));
        return Fail(exception, HostFailure.AuthenticationFailed,
            $"{endpoint} rejected user {Host.User} with key {Host.PrivateKeyFile} ({exception.Message}); Macha will not try again for {delay}. Check the key in the user's authorized_keys.", offer, delay);
    }

    private SshClient? Fail(Exception? exception, HostFailure failure, string detail, HostKeyOffer? offer, TimeSpan? retryDelay = null)
    {
        _retryAt = _timeProvider.GetUtcNow() + (retryDelay ?? _options.RetryDelay);
        _state = new HostConnectionState(failure, detail, offer, _state.LastContactAt);
        LogConnectionFailed(exception, HostName, failure, detail);
        return null;
    }

    private void MarkFailed(SshClient client, HostFailure failure, string detail)
    {
        _connectGate.Wait();
        try
        {
            if (ReferenceEquals(_client, client))
            {
                DisposeClient();
            }

            Fail(null, failure, detail, _state.PresentedKey);
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private async Task<CommandResult> ExecuteAsync(SshClient client, CommandRequest request, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        SshCommand command;
        try
        {
            command = client.CreateCommand(PosixShellQuoting.BuildCommandLine(request), Encoding.UTF8);
        }
        catch (Exception ex) when (ex is SshException or ObjectDisposedException or InvalidOperationException)
        {
            return Lost(client, request, ex, started);
        }

        using (command)
        {
            using var timeout = new CancellationTokenSource(request.Timeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            Task execution;
            Interlocked.Increment(ref _commands);
            try
            {
                execution = command.ExecuteAsync(linked.Token);
            }
            catch (Exception ex) when (ex is SshException or ObjectDisposedException or InvalidOperationException)
            {
                return Lost(client, request, ex, started);
            }

            var stdout = ReadCappedAsync(command.OutputStream, request.MaxOutputBytes);
            var stderr = ReadCappedAsync(command.ExtendedOutputStream, Math.Max(4096, request.MaxOutputBytes / 4));
            try
            {
                await execution;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return new CommandResult(CommandStatus.TimedOut, null, "", "", _timeProvider.GetElapsedTime(started),
                    FailureReason: $"no answer within {request.Timeout.TotalSeconds:0.###} s; Macha asked the remote process to stop");
            }
            catch (Exception ex) when (ex is SshException or ObjectDisposedException or InvalidOperationException or SocketException)
            {
                return Lost(client, request, ex, started);
            }

            Touch();
            var output = await stdout;
            var error = await stderr;
            var elapsed = _timeProvider.GetElapsedTime(started);
            return Classify(request, command.ExitStatus, command.ExitSignal, output, error, elapsed);
        }
    }

    private static CommandResult Classify(CommandRequest request, int? exitStatus, string? exitSignal, CappedText output, CappedText error, TimeSpan elapsed)
    {
        if (exitStatus is null)
        {
            return new CommandResult(CommandStatus.Failed, null, output.Text, error.Text, elapsed, output.Truncated,
                $"the remote process ended by signal {exitSignal ?? "unknown"}");
        }

        // env exits with 127 when the program is not on the remote PATH, 126 when it cannot run it.
        if (exitStatus == 127 && (error.Text.Contains("No such file or directory", StringComparison.Ordinal) || error.Text.Contains("not found", StringComparison.Ordinal)))
        {
            return new CommandResult(CommandStatus.NotFound, 127, output.Text, error.Text, elapsed, output.Truncated, error.Text.Trim());
        }

        var failure = request.Program == "sudo" && exitStatus == 1 && error.Text.Contains(SudoPasswordMessage, StringComparison.Ordinal)
            ? HostFailure.SudoPasswordRequired
            : (HostFailure?)null;
        return new CommandResult(CommandStatus.Exited, exitStatus, output.Text, error.Text, elapsed, output.Truncated, Failure: failure);
    }

    private CommandResult Lost(SshClient client, CommandRequest request, Exception exception, long started)
    {
        if (exception is SshOperationTimeoutException)
        {
            // Opening the channel got no answer within the connect timeout: the connection hangs.
            MarkFailed(client, HostFailure.TimedOut, $"{HostName} stopped answering over SSH while starting {request.DisplayText}; Macha will connect again after {_options.RetryDelay}.");
            return new CommandResult(CommandStatus.TimedOut, null, "", "", _timeProvider.GetElapsedTime(started), FailureReason: _state.Detail, Failure: HostFailure.TimedOut);
        }

        MarkFailed(client, HostFailure.ConnectionLost, $"The SSH connection to {HostName} broke while running {request.DisplayText}: {exception.Message}");
        return new CommandResult(CommandStatus.Failed, null, "", "", _timeProvider.GetElapsedTime(started), FailureReason: _state.Detail, Failure: HostFailure.ConnectionLost);
    }

    /// <summary>Returns whether a trivial command still completes, telling a slow command from a hung connection.</summary>
    private async Task<bool> ProbeAsync(SshClient client, CancellationToken cancellationToken)
    {
        var timeout = _options.ConnectTimeout < MaxProbeTimeout ? _options.ConnectTimeout : MaxProbeTimeout;
        var probe = await ExecuteAsync(client, new CommandRequest("true", [], timeout, 1024), cancellationToken);
        return probe.Status == CommandStatus.Exited;
    }

    private void Touch() => Interlocked.Exchange(ref _lastUsed, _timeProvider.GetTimestamp());

    private void CloseIfIdle()
    {
        if (!_connectGate.Wait(0))
        {
            return;
        }

        try
        {
            if (_client is not null && _timeProvider.GetElapsedTime(Interlocked.Read(ref _lastUsed)) >= _options.ConnectionIdleTimeout)
            {
                LogClosedIdle(HostName);
                DisposeClient();
            }
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private void DisposeClient()
    {
        var client = Interlocked.Exchange(ref _client, null);
        if (client is null)
        {
            return;
        }

        try
        {
            client.Dispose();
        }
        catch (Exception ex) when (ex is SshException or SocketException or ObjectDisposedException)
        {
            // A broken connection can fail to close cleanly; it is gone either way.
        }
    }

    private static async Task<CappedText> ReadCappedAsync(Stream stream, int maxBytes)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        var truncated = false;
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk)) > 0)
            {
                var room = maxBytes - (int)buffer.Length;
                if (room > 0)
                {
                    buffer.Write(chunk, 0, Math.Min(room, read));
                }

                // Keep draining past the cap so the channel's window stays open and the command can finish.
                truncated |= read > room;
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The channel closed; keep what arrived.
        }

        return new CappedText(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), truncated);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to host {HostName} at {Address} port {Port}")]
    private partial void LogConnected(string hostName, string address, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Host {HostName}: {HostFailure}: {Detail}")]
    private partial void LogConnectionFailed(Exception? exception, string hostName, HostFailure hostFailure, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Host {HostName} had no pinned key; pinned its {KeyAlgorithm} key {Fingerprint} on first use")]
    private partial void LogKeyPinnedOnFirstUse(string hostName, string keyAlgorithm, string fingerprint);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Closed the idle SSH connection to host {HostName}")]
    private partial void LogClosedIdle(string hostName);

    private readonly record struct CappedText(string Text, bool Truncated);
}
