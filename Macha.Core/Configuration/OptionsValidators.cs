using Macha.Core.Cycle;
using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Parsers;
using Microsoft.Extensions.Options;

namespace Macha.Core.Configuration;

/// <summary>Checks the top-level settings at start; each message names the key to fix.</summary>
internal sealed class MachaOptionsValidator : IValidateOptions<MachaOptions>
{
    public ValidateOptionsResult Validate(string? name, MachaOptions options)
    {
        var errors = new List<string>();
        if (options.CheckInterval < TimeSpan.FromSeconds(10) || options.CheckInterval > TimeSpan.FromDays(1))
        {
            errors.Add($"Macha:CheckInterval must be between 00:00:10 and 1.00:00:00; got {options.CheckInterval}.");
        }

        if (options.SnapshotFilesMaxCount < 1)
        {
            errors.Add($"Macha:SnapshotFilesMaxCount must be at least 1; got {options.SnapshotFilesMaxCount}.");
        }

        if (options.RetentionAge < TimeSpan.FromHours(1))
        {
            errors.Add($"Macha:RetentionAge must be at least 01:00:00; got {options.RetentionAge}.");
        }

        if (options.DataDirectory.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add("Macha:DataDirectory contains a NUL character; set it to a directory path.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>Checks the monitoring settings, including that each named collector exists.</summary>
internal sealed class MonitoringOptionsValidator(IEnumerable<ICollector> collectors) : IValidateOptions<MonitoringOptions>
{
    public ValidateOptionsResult Validate(string? name, MonitoringOptions options)
    {
        var errors = new List<string>();
        var known = collectors.Select(collector => collector.Name).ToList();
        foreach (var disabled in options.DisabledCollectors)
        {
            if (!known.Contains(disabled, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"Macha:Monitoring:DisabledCollectors names '{disabled}', which is not a collector; use one of: {string.Join(", ", known)}.");
            }
        }

        for (var i = 0; i < options.DnsNames.Count; i++)
        {
            if (!NetworkTarget.IsValidHost(options.DnsNames[i]))
            {
                errors.Add($"Macha:Monitoring:DnsNames:{i} is not a valid host name ('{CollectorStatus.Excerpt(options.DnsNames[i])}'); use letters, digits, '.', '-' and '_'.");
            }
        }

        for (var i = 0; i < options.ReachabilityTargets.Count; i++)
        {
            if (!NetworkTarget.TryParse(options.ReachabilityTargets[i], out _, out var targetError))
            {
                errors.Add($"Macha:Monitoring:ReachabilityTargets:{i} is invalid: {targetError}. Use \"host\", \"host:port\" or \"[IPv6]:port\".");
            }
        }

        if (options.CommandTimeout <= TimeSpan.Zero || options.CommandTimeout > options.CollectorTimeout)
        {
            errors.Add($"Macha:Monitoring:CommandTimeout must be positive and at most Macha:Monitoring:CollectorTimeout ({options.CollectorTimeout}); got {options.CommandTimeout}.");
        }

        if (options.NetworkMountTimeout <= TimeSpan.Zero || options.NetworkMountTimeout > options.CollectorTimeout)
        {
            errors.Add($"Macha:Monitoring:NetworkMountTimeout must be positive and at most Macha:Monitoring:CollectorTimeout ({options.CollectorTimeout}); got {options.NetworkMountTimeout}.");
        }

        if (options.CollectorTimeout > TimeSpan.FromMinutes(10))
        {
            errors.Add($"Macha:Monitoring:CollectorTimeout must be at most 00:10:00; got {options.CollectorTimeout}.");
        }

        if (options.MaxOutputBytes is < 4096 or > 64 * 1024 * 1024)
        {
            errors.Add($"Macha:Monitoring:MaxOutputBytes must be between 4096 and 67108864; got {options.MaxOutputBytes}.");
        }

        if (options.JournalMaxEntries is < 1 or > 100_000)
        {
            errors.Add($"Macha:Monitoring:JournalMaxEntries must be between 1 and 100000; got {options.JournalMaxEntries}.");
        }

        if (options.JournalInitialLookback <= TimeSpan.Zero)
        {
            errors.Add($"Macha:Monitoring:JournalInitialLookback must be positive; got {options.JournalInitialLookback}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal sealed class CycleOptionsValidator : IValidateOptions<CycleOptions>
{
    public ValidateOptionsResult Validate(string? name, CycleOptions options) =>
        options.MaxParallelHosts is < 1 or > 256
            ? ValidateOptionsResult.Fail($"Macha:Cycle:MaxParallelHosts must be between 1 and 256; got {options.MaxParallelHosts}.")
            : ValidateOptionsResult.Success;
}
