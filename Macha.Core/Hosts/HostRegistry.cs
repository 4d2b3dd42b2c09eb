using System.Text.Json;
using Macha.Core.Actions;
using Macha.Core.Monitoring;
using Macha.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Hosts;

public enum HostChangeStatus
{
    Succeeded,
    NotFound,
    Conflict,
    Invalid,
}

/// <summary>The outcome of adding or confirming a host; <see cref="Error"/> says what to fix otherwise.</summary>
/// <param name="FieldErrors">When the request was invalid field by field, one error per problem; <see cref="Error"/> joins their messages.</param>
public sealed record HostChangeResult(HostChangeStatus Status, HostRecord? Host, string? Error = null, IReadOnlyList<HostDefinitionError>? FieldErrors = null)
{
    internal static HostChangeResult Invalid(HostRecord? host, IReadOnlyList<HostDefinitionError> errors) =>
        new(HostChangeStatus.Invalid, host, string.Join(" ", errors.Select(error => error.Message)), errors);
}

/// <summary>A host a person adds; empty fields take the <see cref="HostsOptions"/> defaults.</summary>
public sealed record HostDefinition(
    string Name,
    string? Address,
    int? Port,
    string? User,
    string? PrivateKeyFile,
    IReadOnlyList<string>? HostKeyFingerprints,
    IReadOnlyList<string>? Tags,
    AutonomyLevel? AutonomyLevel);

/// <summary>
/// The inventory of managed hosts: this machine, the configured remote hosts, and those a person
/// added or confirmed, each with its SSH shell; plus discovered hosts that wait for confirmation.
/// Records live in SQLite, so pinned keys, a recorded key change and the last status survive restarts.
/// </summary>
/// <remarks>
/// Configured hosts follow the configuration at every start: their address, user, key file, tags
/// and autonomy level, and their pinned keys when the configuration lists any. A key pinned on
/// first use or by a person is kept for hosts whose configuration lists none.
/// </remarks>
internal sealed partial class HostRegistry : IHostInventory, IHostKeyStore, IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HostEntry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly LocalProcessShell _localShell;
    private readonly HostsOptions _options;
    private readonly IDbContextFactory<MachaDbContext> _databases;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<HostRegistry> _logger;
    private bool _loaded;

    public HostRegistry(
        LocalProcessShell localShell,
        IOptions<HostsOptions> options,
        IDbContextFactory<MachaDbContext> databases,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory)
    {
        _localShell = localShell;
        _options = options.Value;
        _databases = databases;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<HostRegistry>();
    }

    public IReadOnlyList<IHostShell> GetHosts()
    {
        EnsureLoaded();
        lock (_lock)
        {
            var remote = _entries.Values
                .Where(entry => entry.Shell is not null)
                .OrderBy(entry => entry.Record.Name, StringComparer.OrdinalIgnoreCase)
                .Select(entry => (IHostShell)entry.Shell!);
            return [_localShell, .. remote];
        }
    }

    public IHostShell? FindHost(string hostName)
    {
        EnsureLoaded();
        lock (_lock)
        {
            if (!_entries.TryGetValue(hostName, out var entry))
            {
                return null;
            }

            return entry.Record.Source == HostSource.Local ? _localShell : entry.Shell;
        }
    }

    public AutonomyLevel? GetAutonomyLevel(string hostName)
    {
        EnsureLoaded();
        lock (_lock)
        {
            return _entries.TryGetValue(hostName, out var entry) && Enum.TryParse<AutonomyLevel>(entry.Record.AutonomyLevel, out var level)
                ? level
                : null;
        }
    }

    /// <summary>Returns copies of every host record, the local host first, then by name.</summary>
    public IReadOnlyList<HostRecord> List()
    {
        EnsureLoaded();
        lock (_lock)
        {
            return _entries.Values
                .Select(entry => entry.Record.Copy())
                .OrderBy(record => record.Source == HostSource.Local ? 0 : 1)
                .ThenBy(record => record.Name, StringComparer.OrdinalIgnoreCase)
                .ToList();
        }
    }

    public HostRecord? Find(string hostName)
    {
        EnsureLoaded();
        lock (_lock)
        {
            return _entries.TryGetValue(hostName, out var entry) ? entry.Record.Copy() : null;
        }
    }

    /// <summary>The shell of a trusted remote host, for tests and the benchmark.</summary>
    public SshHostShell? FindShell(string hostName)
    {
        EnsureLoaded();
        lock (_lock)
        {
            return _entries.TryGetValue(hostName, out var entry) ? entry.Shell : null;
        }
    }

    /// <summary>Adds a trusted host for a person; its first connection follows the pinning rules like any other.</summary>
    public async Task<HostChangeResult> AddAsync(HostDefinition definition, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        EnsureLoaded();

        var errors = HostDefinitionValidator.Validate(definition, _options);
        if (errors.Count > 0)
        {
            return new HostChangeResult(HostChangeStatus.Invalid, null, string.Join(" ", errors));
        }

        var now = _timeProvider.GetUtcNow();
        var pins = (definition.HostKeyFingerprints ?? []).Select(HostKeyFingerprint.Normalize).OfType<string>().Distinct().ToList();
        var record = new HostRecord
        {
            Name = definition.Name,
            Source = HostSource.Api,
            Trusted = true,
            Address = string.IsNullOrWhiteSpace(definition.Address) ? definition.Name : definition.Address,
            Port = definition.Port ?? 22,
            User = string.IsNullOrWhiteSpace(definition.User) ? _options.DefaultUser : definition.User,
            PrivateKeyFile = string.IsNullOrWhiteSpace(definition.PrivateKeyFile) ? _options.DefaultPrivateKeyFile : definition.PrivateKeyFile,
            TagsJson = JsonSerializer.Serialize(definition.Tags ?? []),
            AutonomyLevel = definition.AutonomyLevel?.ToString(),
            PinnedKeysJson = JsonSerializer.Serialize(pins),
            KeysPinnedAt = pins.Count > 0 ? now : null,
            Status = HostStatus.Unknown,
            AddedAt = now,
            ConfirmedAt = now,
            ConfirmedBy = actor,
        };

        lock (_lock)
        {
            if (_entries.ContainsKey(record.Name))
            {
                return new HostChangeResult(HostChangeStatus.Conflict, null, $"A host named {record.Name} already exists.");
            }

            _entries[record.Name] = new HostEntry(record, CreateShell(record));
        }

        await SaveAsync(record, isNew: true, cancellationToken);
        LogHostAdded(record.Name, record.Address, record.Port, actor);
        return new HostChangeResult(HostChangeStatus.Succeeded, record.Copy());
    }

    /// <summary>Confirms a host for a person with only a fingerprint; see the overload taking a <see cref="HostConfirmation"/>.</summary>
    public Task<HostChangeResult> ConfirmAsync(string hostName, string? fingerprint, string actor, CancellationToken cancellationToken = default) =>
        ConfirmAsync(hostName, new HostConfirmation(fingerprint), actor, cancellationToken);

    /// <summary>
    /// Confirms a host for a person. A discovered host becomes trusted, with the confirmation's
    /// fingerprint pinned when given, and with the address, port, user and key file it gives. A host
    /// whose key changed, or whose key was rejected because none was pinned, gets the fingerprint
    /// pinned. That fingerprint must equal the key the host presented, so a person confirms exactly
    /// the key Macha saw. A trusted host that has not presented a key yet (see
    /// <see cref="HostTrust.IsUnvisited"/>) may still take a fingerprint and connection settings.
    /// Other trusted hosts take no connection settings, because the key they presented came from
    /// their current address.
    /// </summary>
    public async Task<HostChangeResult> ConfirmAsync(string hostName, HostConfirmation confirmation, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(confirmation);
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        EnsureLoaded();

        // Checked before the lock, because it reads the file system.
        var fieldErrors = confirmation.Validate(hostName, _options);
        var normalized = string.IsNullOrWhiteSpace(confirmation.Fingerprint) ? null : HostKeyFingerprint.Normalize(confirmation.Fingerprint);

        HostRecord saved;
        SshHostShell? retired = null;
        lock (_lock)
        {
            if (!_entries.TryGetValue(hostName, out var entry))
            {
                return new HostChangeResult(HostChangeStatus.NotFound, null, $"No host is named {hostName}.");
            }

            var record = entry.Record;
            if (record.Source == HostSource.Local)
            {
                return new HostChangeResult(HostChangeStatus.Conflict, record.Copy(), "The local host needs no confirmation.");
            }

            var needsKey = HostTrust.NeedsKey(record);
            var unvisited = HostTrust.IsUnvisited(record);
            var correctsUnvisited = unvisited && (normalized is not null || confirmation.SetsConnection);
            if (record.Trusted && !needsKey && !correctsUnvisited)
            {
                return new HostChangeResult(HostChangeStatus.Conflict, record.Copy(), DescribeNothingToConfirm(record, unvisited));
            }

            if (fieldErrors.Count > 0)
            {
                return HostChangeResult.Invalid(record.Copy(), fieldErrors);
            }

            if (confirmation.SetsConnection && !HostTrust.AcceptsConnectionSettings(record))
            {
                var reason = record.Source == HostSource.Configuration
                    ? $"{record.Name} comes from Macha:Hosts:Remote; change it there and restart Macha."
                    : $"{record.Name} already presented a key at {record.Address} port {record.Port}, so only that key can be confirmed here.";
                return HostChangeResult.Invalid(record.Copy(), confirmation.ConnectionFields()
                    .Select(field => new HostDefinitionError(field, $"{field} can be set only on a discovered host or a trusted host that has not presented a key yet; {reason}"))
                    .ToList());
            }

            if (needsKey)
            {
                var presented = PresentedFingerprint(record);
                if (normalized is null || !string.Equals(normalized, presented, StringComparison.Ordinal))
                {
                    return new HostChangeResult(HostChangeStatus.Invalid, record.Copy(),
                        $"{record.Name} presented the key {presented ?? "(unknown)"}; check it on the host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and confirm with exactly that fingerprint.");
                }

                if (record.Source == HostSource.Configuration && Pins(record).Count > 0)
                {
                    return new HostChangeResult(HostChangeStatus.Invalid, record.Copy(),
                        $"The keys of {record.Name} are pinned in Macha:Hosts:Remote; replace its HostKeyFingerprints there with {normalized} and restart Macha.");
                }
            }

            var now = _timeProvider.GetUtcNow();
            if (normalized is not null)
            {
                record.PinnedKeysJson = JsonSerializer.Serialize(new[] { normalized });
                record.KeysPinnedAt = now;
            }

            var movesShell = entry.Shell is not null && confirmation.SetsConnection;
            if (confirmation.SetsConnection)
            {
                ApplyConnection(record, confirmation);
            }

            record.Trusted = true;
            record.Status = HostStatus.Unknown;
            record.Failure = null;
            record.StatusDetail = null;
            record.ConfirmedAt = now;
            record.ConfirmedBy = actor;
            if (movesShell)
            {
                // The old shell may be in a cycle right now. Its key store no longer matches the
                // record's address and port, so a key it receives there is neither accepted nor
                // stored, and RecordCheckAsync ignores a check made through it.
                retired = entry.Shell;
                entry.Shell = CreateShell(record);
            }
            else if (entry.Shell is null)
            {
                entry.Shell = CreateShell(record);
            }
            else
            {
                entry.Shell.Unblock();
            }

            saved = record.Copy();
        }

        retired?.Dispose();
        await SaveAsync(saved, isNew: false, cancellationToken);
        LogHostConfirmed(saved.Name, saved.Address, saved.Port, saved.User, actor, normalized ?? "(no key pinned)");
        return new HostChangeResult(HostChangeStatus.Succeeded, saved.Copy());
    }

    /// <summary>Adds names not known yet as discovered, untrusted hosts, and returns how many were new.</summary>
    public async Task<int> AddDiscoveredAsync(IEnumerable<string> hostNames, HostSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hostNames);
        EnsureLoaded();

        var added = new List<HostRecord>();
        var now = _timeProvider.GetUtcNow();
        lock (_lock)
        {
            foreach (var name in hostNames.Select(n => n.Trim()).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (!HostDefinitionValidator.IsValidHostName(name) || _entries.ContainsKey(name))
                {
                    continue;
                }

                var record = new HostRecord
                {
                    Name = name,
                    Source = source,
                    Trusted = false,
                    Address = name,
                    Port = 22,
                    User = _options.DefaultUser,
                    PrivateKeyFile = _options.DefaultPrivateKeyFile,
                    Status = HostStatus.Unknown,
                    StatusDetail = "Discovered; a person must confirm the host before Macha connects to it.",
                    AddedAt = now,
                };
                _entries[name] = new HostEntry(record, null);
                added.Add(record.Copy());
            }
        }

        foreach (var record in added)
        {
            await SaveAsync(record, isNew: true, cancellationToken);
            LogHostDiscovered(record.Name, source);
        }

        return added.Count;
    }

    /// <summary>
    /// Stores how a host fared in a cycle: status, last contact and distribution. A check made
    /// through <paramref name="shell"/> after a confirmation replaced it reached the old address,
    /// port, user or key file, and is not stored.
    /// </summary>
    public async Task RecordCheckAsync(HostSnapshot snapshot, IHostShell shell, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(shell);
        EnsureLoaded();

        HostRecord saved;
        lock (_lock)
        {
            if (!_entries.TryGetValue(snapshot.HostName, out var entry))
            {
                return;
            }

            // Checked under the lock, so a confirmation cannot replace the shell between this comparison
            // and the update below.
            if (entry.Shell is not null && !ReferenceEquals(entry.Shell, shell))
            {
                return;
            }

            var record = entry.Record;
            record.LastCheckedAt = snapshot.TakenAt;
            if (snapshot.Os is { } os)
            {
                record.OsFamily = os.Family.ToString();
                record.OsName = os.Name ?? os.Id;
                record.OsVersion = os.VersionId;
            }

            var connection = snapshot.Connection;
            if (connection?.PresentedKeyFingerprint is { } presented)
            {
                record.PresentedKey = $"{connection.PresentedKeyAlgorithm} {presented}";
            }

            if (connection?.Failure is { } failure)
            {
                // A recorded key change stays until a person confirms, whatever later attempts report.
                // A mismatch of a key that a person confirmed during the check is out of date.
                var confirmedSince = failure == HostFailure.HostKeyMismatch
                    && connection.PresentedKeyFingerprint is { } rejected
                    && Pins(record).Contains(rejected, StringComparer.Ordinal);
                if (record.Status != HostStatus.HostKeyChanged && !confirmedSince)
                {
                    record.Status = StatusFor(failure);
                    record.Failure = failure.ToString();
                    record.StatusDetail = connection.Detail;
                }
            }
            else
            {
                record.Status = HostStatus.Online;
                record.Failure = null;
                record.StatusDetail = null;
                record.LastContactAt = snapshot.TakenAt;
            }

            saved = record.Copy();
        }

        await SaveAsync(saved, isNew: false, cancellationToken);
    }

    HostKeyVerdict IHostKeyStore.Evaluate(string hostName, HostKeyOffer offer) => Evaluate(hostName, offer, endpoint: null);

    Task IHostKeyStore.RecordAsync(string hostName, HostKeyOffer offer, HostKeyVerdict verdict, CancellationToken cancellationToken) =>
        RecordAsync(hostName, offer, verdict, endpoint: null, cancellationToken);

    // With an endpoint, a key presented at an address or port the host no longer has is rejected
    // and not stored, so a shell replaced by a confirmation cannot pin the key of the old address.
    private HostKeyVerdict Evaluate(string hostName, HostKeyOffer offer, (string Address, int Port)? endpoint)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(hostName, out var entry) || !IsCurrent(entry.Record, endpoint))
            {
                return HostKeyVerdict.NotPinned;
            }

            var pins = Pins(entry.Record);
            if (pins.Count == 0)
            {
                return _options.TrustOnFirstUse ? HostKeyVerdict.FirstUse : HostKeyVerdict.NotPinned;
            }

            return pins.Contains(offer.Fingerprint, StringComparer.Ordinal) ? HostKeyVerdict.Pinned : HostKeyVerdict.Mismatch;
        }
    }

    private async Task RecordAsync(string hostName, HostKeyOffer offer, HostKeyVerdict verdict, (string Address, int Port)? endpoint, CancellationToken cancellationToken)
    {
        HostRecord saved;
        lock (_lock)
        {
            if (!_entries.TryGetValue(hostName, out var entry) || !IsCurrent(entry.Record, endpoint))
            {
                return;
            }

            var record = entry.Record;
            record.PresentedKey = $"{offer.Algorithm} {offer.Fingerprint}";
            switch (verdict)
            {
                case HostKeyVerdict.FirstUse when Pins(record).Count == 0:
                    record.PinnedKeysJson = JsonSerializer.Serialize(new[] { offer.Fingerprint });
                    record.KeysPinnedAt = _timeProvider.GetUtcNow();
                    break;
                // A person may have confirmed this key since the handshake rejected it.
                case HostKeyVerdict.Mismatch when !Pins(record).Contains(offer.Fingerprint, StringComparer.Ordinal):
                    record.Status = HostStatus.HostKeyChanged;
                    record.Failure = nameof(HostFailure.HostKeyMismatch);
                    record.StatusDetail = $"{hostName} presented the {offer.Algorithm} key {offer.Fingerprint}, which is not pinned. No work runs on the host until a person checks and confirms the key.";
                    LogHostKeyChanged(hostName, offer.Algorithm, offer.Fingerprint);
                    break;
                default:
                    return;
            }

            saved = record.Copy();
        }

        await SaveAsync(saved, isNew: false, cancellationToken);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var entry in _entries.Values)
            {
                entry.Shell?.Dispose();
            }

            _entries.Clear();
        }
    }

    private static bool IsCurrent(HostRecord record, (string Address, int Port)? endpoint) =>
        endpoint is not { } expected
        || (string.Equals(record.Address, expected.Address, StringComparison.Ordinal) && record.Port == expected.Port);

    // The 409 detail for a trusted host that needs no key confirmed, true for each trust state.
    private string DescribeNothingToConfirm(HostRecord record, bool unvisited)
    {
        var pins = Pins(record);
        if (pins.Count > 0)
        {
            return $"{record.Name} is already trusted and its key {string.Join(", ", pins)} is pinned, so there is nothing to confirm.";
        }

        if (PresentedFingerprint(record) is { } presented)
        {
            return $"{record.Name} is already trusted and has no pinned key. It presented {presented} before, but its last connection failed "
                + "for another reason, so there is nothing to confirm until a connection is rejected for lack of a pinned key.";
        }

        var firstConnection = _options.TrustOnFirstUse
            ? "pins the key it presents, because Macha:Hosts:TrustOnFirstUse is on"
            : "is rejected, because Macha:Hosts:TrustOnFirstUse is off, and then the key it presented can be confirmed";
        var corrections = unvisited
            ? " Until then, a confirmation may give a fingerprint to pin, or a new address, port, user or privateKeyFile."
            : string.Empty;
        return $"{record.Name} is already trusted and has no pinned key yet, because it has not presented one. Its first connection {firstConnection}.{corrections}";
    }

    private static HostStatus StatusFor(HostFailure failure) => failure switch
    {
        HostFailure.HostKeyMismatch => HostStatus.HostKeyChanged,
        HostFailure.AuthenticationFailed or HostFailure.HostKeyNotPinned or HostFailure.InvalidConfiguration or HostFailure.SudoPasswordRequired => HostStatus.AccessDenied,
        _ => HostStatus.Offline,
    };

    private static IReadOnlyList<string> Pins(HostRecord record) => HostTrust.PinnedKeys(record);

    private static string? PresentedFingerprint(HostRecord record) => HostTrust.PresentedFingerprint(record);

    private void EnsureLoaded()
    {
        if (Volatile.Read(ref _loaded))
        {
            return;
        }

        lock (_lock)
        {
            if (_loaded)
            {
                return;
            }

            Load();
            _loaded = true;
        }
    }

    // Runs once, under the lock, before any use. Synchronous because IHostInventory.GetHosts is.
    private void Load()
    {
        using var db = _databases.CreateDbContext();
        var stored = db.Hosts.ToDictionary(record => record.Name, StringComparer.OrdinalIgnoreCase);
        var now = _timeProvider.GetUtcNow();

        var localName = _localShell.HostName;
        if (!stored.TryGetValue(localName, out var local))
        {
            local = new HostRecord { Name = localName, AddedAt = now };
            db.Hosts.Add(local);
        }

        local.Source = HostSource.Local;
        local.Trusted = true;
        local.Address = string.Empty;
        _entries[localName] = new HostEntry(local, null);

        var configuredNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var configured in _options.Remote)
        {
            configuredNames.Add(configured.Name);
            if (!stored.TryGetValue(configured.Name, out var record))
            {
                record = new HostRecord { Name = configured.Name, AddedAt = now, Status = HostStatus.Unknown };
                db.Hosts.Add(record);
            }

            ApplyConfiguration(record, configured, now);
            _entries[record.Name] = new HostEntry(record, null);
        }

        foreach (var record in stored.Values.Where(r => r.Source == HostSource.Configuration && !configuredNames.Contains(r.Name)))
        {
            // Removed from the configuration: forget it, so it is neither visited nor listed.
            db.Hosts.Remove(record);
        }

        foreach (var record in stored.Values.Where(r => r.Source is HostSource.Api or HostSource.Journal or HostSource.Flake && !_entries.ContainsKey(r.Name)))
        {
            _entries[record.Name] = new HostEntry(record, null);
        }

        db.SaveChanges();

        foreach (var entry in _entries.Values.Where(e => e.Record.Source != HostSource.Local && e.Record.Trusted))
        {
            entry.Shell = CreateShell(entry.Record);
        }
    }

    private void ApplyConfiguration(HostRecord record, RemoteHostOptions configured, DateTimeOffset now)
    {
        record.Source = HostSource.Configuration;
        record.Trusted = true;
        record.Address = string.IsNullOrWhiteSpace(configured.Address) ? configured.Name : configured.Address;
        record.Port = configured.Port;
        record.User = string.IsNullOrWhiteSpace(configured.User) ? _options.DefaultUser : configured.User;
        record.PrivateKeyFile = string.IsNullOrWhiteSpace(configured.PrivateKeyFile) ? _options.DefaultPrivateKeyFile : configured.PrivateKeyFile;
        record.TagsJson = JsonSerializer.Serialize(configured.Tags);
        record.AutonomyLevel = configured.AutonomyLevel?.ToString();

        var pins = configured.HostKeyFingerprints.Select(HostKeyFingerprint.Normalize).OfType<string>().Distinct().ToList();
        if (pins.Count > 0)
        {
            var json = JsonSerializer.Serialize(pins);
            if (json != record.PinnedKeysJson)
            {
                record.PinnedKeysJson = json;
                record.KeysPinnedAt = now;
            }

            // A person who put the presented key into the configuration has confirmed it.
            if (record.Status == HostStatus.HostKeyChanged && PresentedFingerprint(record) is { } presented && pins.Contains(presented))
            {
                record.Status = HostStatus.Unknown;
                record.Failure = null;
                record.StatusDetail = null;
            }
        }
    }

    private SshHostShell CreateShell(HostRecord record)
    {
        var user = string.IsNullOrWhiteSpace(record.User) ? _options.DefaultUser : record.User;
        var keyFile = string.IsNullOrWhiteSpace(record.PrivateKeyFile) ? _options.DefaultPrivateKeyFile : record.PrivateKeyFile;
        var shell = new SshHostShell(
            new RemoteHost(record.Name, record.Address, record.Port, user, keyFile),
            new EndpointKeyStore(this, (record.Address, record.Port)),
            _options,
            _timeProvider,
            _loggerFactory.CreateLogger<SshHostShell>());
        if (record.Status == HostStatus.HostKeyChanged)
        {
            var presented = record.PresentedKey?.Split(' ', 2);
            var offer = presented is [var algorithm, var fingerprint] ? new HostKeyOffer(algorithm, fingerprint) : null;
            shell.Block(offer, record.StatusDetail ?? $"{record.Name} presented a key that is not pinned.");
        }

        return shell;
    }

    private static void ApplyConnection(HostRecord record, HostConfirmation confirmation)
    {
        if (!string.IsNullOrWhiteSpace(confirmation.Address))
        {
            record.Address = confirmation.Address.Trim();
        }

        if (confirmation.Port is { } port)
        {
            record.Port = port;
        }

        if (!string.IsNullOrWhiteSpace(confirmation.User))
        {
            record.User = confirmation.User.Trim();
        }

        if (!string.IsNullOrWhiteSpace(confirmation.PrivateKeyFile))
        {
            record.PrivateKeyFile = confirmation.PrivateKeyFile.Trim();
        }
    }

    private async Task SaveAsync(HostRecord record, bool isNew, CancellationToken cancellationToken)
    {
        await using var db = await _databases.CreateDbContextAsync(cancellationToken);
        if (isNew)
        {
            db.Hosts.Add(record);
        }
        else
        {
            db.Hosts.Update(record);
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Host {HostName} at {Address} port {Port} added by {Actor}")]
    private partial void LogHostAdded(string hostName, string address, int port, string actor);

    [LoggerMessage(Level = LogLevel.Information, Message = "Host {HostName} at {Address} port {Port} user {UserName} confirmed by {Actor}, pinned key {Fingerprint}")]
    private partial void LogHostConfirmed(string hostName, string address, int port, string userName, string actor, string fingerprint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Discovered host {HostName} from {HostSource}; it waits for confirmation")]
    private partial void LogHostDiscovered(string hostName, HostSource hostSource);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Host {HostName} presented the {KeyAlgorithm} key {Fingerprint}, which is not pinned; all work on it stopped")]
    private partial void LogHostKeyChanged(string hostName, string keyAlgorithm, string fingerprint);

    private sealed class HostEntry(HostRecord record, SshHostShell? shell)
    {
        public HostRecord Record { get; } = record;

        public SshHostShell? Shell { get; set; } = shell;
    }

    /// <summary>The key store of one shell, bound to the address and port that shell connects to.</summary>
    private sealed class EndpointKeyStore(HostRegistry registry, (string Address, int Port) endpoint) : IHostKeyStore
    {
        public HostKeyVerdict Evaluate(string hostName, HostKeyOffer offer) => registry.Evaluate(hostName, offer, endpoint);

        public Task RecordAsync(string hostName, HostKeyOffer offer, HostKeyVerdict verdict, CancellationToken cancellationToken = default) =>
            registry.RecordAsync(hostName, offer, verdict, endpoint, cancellationToken);
    }
}
