using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Hosts;

/// <summary>What one discovery source found in one run.</summary>
/// <param name="Found">Distinct names the source listed, before validation.</param>
/// <param name="Added">How many of them were new and are now discovered, not trusted.</param>
/// <param name="Error">Why the source could not be read; null when it was.</param>
public sealed record HostDiscoverySourceResult(HostSource Source, IReadOnlyList<string> Found, int Added, string? Error);

/// <summary>
/// Reads host names from the sources in <c>Macha:Hosts:Discovery</c> and adds the new ones to the
/// registry as discovered, not trusted. A discovered host is never connected to, collected from or
/// acted on until a person confirms it.
/// </summary>
/// <remarks>
/// Names are data from other machines: a remote host sets its own _HOSTNAME in a central journal.
/// They never reach a shell, invalid names are dropped by <see cref="HostRegistry.AddDiscoveredAsync"/>,
/// and a name that is already known, including this machine's, leaves its record unchanged.
/// </remarks>
internal sealed partial class HostDiscovery
{
    /// <summary>Cap on names taken from one source per run, so a flooded journal cannot fill the host list.</summary>
    public const int MaxNamesPerSource = 500;

    private const int MaxOutputBytes = 1024 * 1024;

    private readonly HostRegistry _registry;
    private readonly LocalProcessShell _shell;
    private readonly HostDiscoveryOptions _options;
    private readonly ILogger<HostDiscovery> _logger;

    public HostDiscovery(HostRegistry registry, LocalProcessShell shell, IOptions<HostsOptions> options, ILogger<HostDiscovery> logger)
    {
        _registry = registry;
        _shell = shell;
        _options = options.Value.Discovery;
        _logger = logger;
    }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(_options.JournalDirectory) || !string.IsNullOrWhiteSpace(_options.Flake);

    /// <summary>Runs every configured source once; a failing source is reported and the others still run.</summary>
    public async Task<IReadOnlyList<HostDiscoverySourceResult>> RunAsync(CancellationToken cancellationToken = default)
    {
        var results = new List<HostDiscoverySourceResult>();
        if (!string.IsNullOrWhiteSpace(_options.JournalDirectory))
        {
            results.Add(await RunSourceAsync(HostSource.Journal, ReadJournalHostNamesAsync(_options.JournalDirectory, cancellationToken), cancellationToken));
        }

        if (!string.IsNullOrWhiteSpace(_options.Flake))
        {
            results.Add(await RunSourceAsync(HostSource.Flake, ReadFlakeHostNamesAsync(_options.Flake, cancellationToken), cancellationToken));
        }

        return results;
    }

    /// <summary>
    /// Parses the output of <c>nix eval --json FLAKE#nixosConfigurations --apply builtins.attrNames</c>:
    /// a JSON array of strings.
    /// </summary>
    /// <exception cref="FormatException">The output is not a JSON array of strings.</exception>
    public static IReadOnlyList<string> ParseFlakeNames(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"nix eval printed {document.RootElement.ValueKind} instead of a JSON array of configuration names.");
            }

            return document.RootElement.EnumerateArray()
                .Select(item => item.ValueKind == JsonValueKind.String
                    ? item.GetString()!
                    : throw new FormatException($"nix eval printed {item.ValueKind} where a configuration name was expected."))
                .ToList();
        }
        catch (JsonException ex)
        {
            throw new FormatException($"nix eval printed invalid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Parses <c>journalctl --field=_HOSTNAME</c> output: one value per line.</summary>
    public static IReadOnlyList<string> ParseJournalNames(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }

    private async Task<HostDiscoverySourceResult> RunSourceAsync(HostSource source, Task<(IReadOnlyList<string> Names, string? Error)> read, CancellationToken cancellationToken)
    {
        var (names, error) = await read;
        if (error is not null)
        {
            LogSourceFailed(source, error);
            return new HostDiscoverySourceResult(source, [], 0, error);
        }

        var distinct = names.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (distinct.Count > MaxNamesPerSource)
        {
            LogTooManyNames(source, distinct.Count, MaxNamesPerSource);
            distinct = distinct.Take(MaxNamesPerSource).ToList();
        }

        var added = await _registry.AddDiscoveredAsync(distinct, source, cancellationToken);
        LogSourceRead(source, distinct.Count, added);
        return new HostDiscoverySourceResult(source, distinct, added, null);
    }

    private async Task<(IReadOnlyList<string> Names, string? Error)> ReadJournalHostNamesAsync(string directory, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(directory))
        {
            return ([], $"The journal directory '{directory}' does not exist; set Macha:Hosts:Discovery:JournalDirectory to where systemd-journal-remote writes, such as /var/log/journal/remote.");
        }

        // --field prints each distinct value once, so Macha reads one line per host instead of every entry.
        var request = new CommandRequest("journalctl", ["--directory=" + directory, "--field=_HOSTNAME", "--no-pager"], _options.CommandTimeout, MaxOutputBytes);
        var result = await _shell.RunAsync(request, cancellationToken);
        return result.Succeeded
            ? (ParseJournalNames(result.StandardOutput), null)
            : ([], result.Describe(request.DisplayText));
    }

    private async Task<(IReadOnlyList<string> Names, string? Error)> ReadFlakeHostNamesAsync(string flake, CancellationToken cancellationToken)
    {
        // The flake reference is one argv entry, never shell text. attrNames evaluates only the
        // attribute names, so no NixOS configuration is built or evaluated in full.
        var request = new CommandRequest(
            "nix",
            ["--extra-experimental-features", "nix-command flakes", "eval", "--json", flake + "#nixosConfigurations", "--apply", "builtins.attrNames"],
            _options.CommandTimeout,
            MaxOutputBytes);
        var result = await _shell.RunAsync(request, cancellationToken);
        if (!result.Succeeded)
        {
            return ([], result.Describe(request.DisplayText));
        }

        try
        {
            return (ParseFlakeNames(result.StandardOutput), null);
        }
        catch (FormatException ex)
        {
            return ([], ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Host discovery from {HostSource} found {NameCount} names, {AddedCount} of them new")]
    private partial void LogSourceRead(HostSource hostSource, int nameCount, int addedCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Host discovery from {HostSource} failed: {Error}")]
    private partial void LogSourceFailed(HostSource hostSource, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Host discovery from {HostSource} found {NameCount} names; only the first {MaxNames} are taken")]
    private partial void LogTooManyNames(HostSource hostSource, int nameCount, int maxNames);
}
