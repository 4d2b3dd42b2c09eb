using System.Globalization;
using Macha.Core.Actions;
using Macha.Core.Cycle;
using Macha.Core.Hosts;
using Macha.Web.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace Macha.Web.Components.Pages;

/// <summary>
/// The host list: status, last contact, trust state and pinned keys of every host, a form to add a
/// host, and a confirm form for discovered hosts, for keys a person has to accept, and for trusted
/// hosts without a pinned key that have not presented a key yet.
/// </summary>
public sealed partial class Hosts
{
    private static readonly char[] ListSeparators = [',', ' ', '\n', '\t'];

    private readonly Dictionary<string, ConfirmHostForm> _confirmForms = new(StringComparer.OrdinalIgnoreCase);
    private IReadOnlyList<HostRecord> _hosts = [];
    private string? _loadError;
    private string? _message;
    private string? _confirmError;
    private List<string> _addErrors = [];
    private AddHostForm _form = new();
    private bool _busy;
    private DateTimeOffset _now;

    [Inject]
    private HostRegistry Registry { get; set; } = default!;

    [Inject]
    private IOptions<HostsOptions> Options { get; set; } = default!;

    [Inject]
    private OperatorAccess Access { get; set; } = default!;

    [Inject]
    private TimeProvider TimeProvider { get; set; } = default!;

    protected override void OnInitialized()
    {
        // The base starts the live-event subscriptions, before the first load so no change is missed.
        base.OnInitialized();
        Load();
    }

    protected override Task<bool> OnLiveEventAsync(object liveEvent)
    {
        if (liveEvent is not (HostFinished or CycleFinished))
        {
            return Task.FromResult(false);
        }

        Load();
        return Task.FromResult(true);
    }

    private void Load()
    {
        _now = TimeProvider.GetUtcNow();
        try
        {
            // The registry reads SQLite once, on first use; after that the list comes from memory.
            _hosts = Registry.List();
            _loadError = null;
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            _loadError = ex.Message;
            return;
        }

        foreach (var host in _hosts)
        {
            _confirmForms.TryAdd(host.Name, new ConfirmHostForm());
        }
    }

    private async Task ConfirmAsync(string hostName)
    {
        _message = null;
        _confirmError = null;
        var form = _confirmForms[hostName];
        var (confirmation, errors) = form.ToConfirmation();
        if (confirmation is null)
        {
            _confirmError = $"{hostName} was not confirmed: {string.Join(" ", errors)}";
            return;
        }

        // Confirming lets Macha work on the host, so it needs the operate policy, as the API does.
        var access = await Access.CheckAsync();
        if (!access.IsAllowed)
        {
            _confirmError = $"{hostName} was not confirmed: {access.DenialReason}";
            return;
        }

        _busy = true;
        try
        {
            var result = await Registry.ConfirmAsync(hostName, confirmation, access.Actor, Disposing);
            if (result.Status == HostChangeStatus.Succeeded)
            {
                _message = $"Confirmed {hostName} at {result.Host!.User}@{result.Host.Address}:{result.Host.Port}. Macha visits it from the next health cycle on.";
                _confirmForms[hostName] = new ConfirmHostForm();
            }
            else
            {
                // What was typed stays in the form, so a person can correct it.
                _confirmError = $"{hostName} was not confirmed: {result.Error}";
            }
        }
        finally
        {
            _busy = false;
            Load();
        }
    }

    private async Task AddAsync()
    {
        _message = null;
        _addErrors = [];
        var (definition, errors) = _form.ToDefinition(Options.Value);
        if (errors.Count > 0)
        {
            _addErrors = errors;
            return;
        }

        var access = await Access.CheckAsync();
        if (!access.IsAllowed)
        {
            _addErrors = [$"The host was not added: {access.DenialReason}"];
            return;
        }

        _busy = true;
        try
        {
            var result = await Registry.AddAsync(definition!, access.Actor, Disposing);
            if (result.Status == HostChangeStatus.Succeeded)
            {
                _message = $"Added {result.Host!.Name}. Macha visits it from the next health cycle on.";
                _form = new AddHostForm();
            }
            else
            {
                // The form keeps what was typed, so nothing is lost.
                _addErrors = [$"The host was not added: {result.Error}"];
            }
        }
        finally
        {
            _busy = false;
            Load();
        }
    }

    internal static string TrustLabel(HostTrustState trust) => trust switch
    {
        HostTrustState.Local => "this machine",
        HostTrustState.Pinned => "trusted, key pinned",
        HostTrustState.Unpinned => "trusted, no key pinned",
        HostTrustState.KeyChanged => "key changed: confirm the new key",
        HostTrustState.Discovered => "discovered, not trusted",
        _ => trust.ToString(),
    };

    // A PRETTY_NAME such as "Debian GNU/Linux 12 (bookworm)" already carries the version.
    internal static string DescribeOs(HostRecord host) =>
        host.OsName is { Length: > 0 } name
            ? (host.OsVersion is { Length: > 0 } version && !name.Contains(version, StringComparison.Ordinal) ? $"{name} {version}" : name)
            : host.OsFamily ?? string.Empty;

    /// <summary>What a person typed into a host's confirm form, as text, so nothing typed is lost to a parse error.</summary>
    internal sealed class ConfirmHostForm
    {
        public string? Fingerprint { get; set; }

        public string? Address { get; set; }

        public string? Port { get; set; }

        public string? User { get; set; }

        public string? PrivateKeyFile { get; set; }

        /// <summary>
        /// Builds the confirmation, or returns why the port is not a number. The registry checks
        /// the rest with the rules POST /api/hosts/{name}/confirm applies.
        /// </summary>
        public (HostConfirmation? Confirmation, List<string> Errors) ToConfirmation()
        {
            int? port = null;
            if (!string.IsNullOrWhiteSpace(Port))
            {
                if (!int.TryParse(Port.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                {
                    return (null, [$"Port '{Port}' is not a whole number."]);
                }

                port = parsed;
            }

            var confirmation = new HostConfirmation(Trimmed(Fingerprint), Trimmed(Address), port, Trimmed(User), Trimmed(PrivateKeyFile));
            return (confirmation, []);
        }

        private static string? Trimmed(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }

    /// <summary>What a person typed into the add form, as text, so nothing typed is lost to a parse error.</summary>
    internal sealed class AddHostForm
    {
        public string? Name { get; set; }

        public string? Address { get; set; }

        public string? Port { get; set; }

        public string? User { get; set; }

        public string? PrivateKeyFile { get; set; }

        public string? Fingerprints { get; set; }

        public string? Tags { get; set; }

        public string? AutonomyLevel { get; set; }

        /// <summary>Builds the definition, or returns one message per problem with the same checks as POST /api/hosts.</summary>
        public (HostDefinition? Definition, List<string> Errors) ToDefinition(HostsOptions defaults)
        {
            var errors = new List<string>();
            int? port = null;
            if (!string.IsNullOrWhiteSpace(Port))
            {
                if (int.TryParse(Port.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                {
                    port = parsed;
                }
                else
                {
                    errors.Add($"Port '{Port}' is not a whole number.");
                }
            }

            AutonomyLevel? level = string.IsNullOrEmpty(AutonomyLevel) ? null : Enum.Parse<AutonomyLevel>(AutonomyLevel);
            var definition = new HostDefinition(
                Name?.Trim() ?? string.Empty,
                Address?.Trim(),
                port,
                User?.Trim(),
                PrivateKeyFile?.Trim(),
                Split(Fingerprints, ListSeparators),
                Split(Tags, [',']),
                level);
            errors.AddRange(HostDefinitionValidator.Validate(definition, defaults));

            var keyFile = string.IsNullOrWhiteSpace(definition.PrivateKeyFile) ? defaults.DefaultPrivateKeyFile : definition.PrivateKeyFile;
            if (Path.IsPathFullyQualified(keyFile) && !File.Exists(keyFile))
            {
                errors.Add($"PrivateKeyFile '{keyFile}' does not exist or Macha cannot see it; create the key first and give its absolute path.");
            }

            return (errors.Count == 0 ? definition : null, errors);
        }

        private static List<string> Split(string? text, char[] separators) =>
            (text ?? string.Empty).Split(separators, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
    }
}
