using System.Globalization;
using Microsoft.Extensions.Options;

namespace Macha.Core.Detection;

/// <summary>Rejects thresholds that could never trigger or that would flag every host.</summary>
internal sealed class DetectionOptionsValidator : IValidateOptions<DetectionOptions>
{
    private const string Prefix = DetectionOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, DetectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        var failures = new List<string>();

        ValidatePercentPair(failures, nameof(DetectionOptions.DiskUsedWarningPercent), options.DiskUsedWarningPercent,
            nameof(DetectionOptions.DiskUsedCriticalPercent), options.DiskUsedCriticalPercent);
        ValidatePercentPair(failures, nameof(DetectionOptions.InodeUsedWarningPercent), options.InodeUsedWarningPercent,
            nameof(DetectionOptions.InodeUsedCriticalPercent), options.InodeUsedCriticalPercent);
        ValidatePercentPair(failures, nameof(DetectionOptions.MemoryUsedWarningPercent), options.MemoryUsedWarningPercent,
            nameof(DetectionOptions.MemoryUsedCriticalPercent), options.MemoryUsedCriticalPercent);
        ValidatePercentPair(failures, nameof(DetectionOptions.SwapUsedWarningPercent), options.SwapUsedWarningPercent,
            nameof(DetectionOptions.SwapUsedCriticalPercent), options.SwapUsedCriticalPercent);
        ValidatePercent(failures, nameof(DetectionOptions.CpuUsedWarningPercent), options.CpuUsedWarningPercent);
        ValidatePercent(failures, nameof(DetectionOptions.CpuPressureSomeAvg60WarningPercent), options.CpuPressureSomeAvg60WarningPercent);
        ValidatePercentPair(failures, nameof(DetectionOptions.MemoryPressureFullAvg60WarningPercent), options.MemoryPressureFullAvg60WarningPercent,
            nameof(DetectionOptions.MemoryPressureFullAvg60CriticalPercent), options.MemoryPressureFullAvg60CriticalPercent);
        ValidatePercentPair(failures, nameof(DetectionOptions.IoPressureFullAvg60WarningPercent), options.IoPressureFullAvg60WarningPercent,
            nameof(DetectionOptions.IoPressureFullAvg60CriticalPercent), options.IoPressureFullAvg60CriticalPercent);

        // NaN fails every comparison, so the checks are written to reject it.
        if (!(options.LoadPerCoreWarning > 0))
        {
            failures.Add($"{Prefix}{nameof(DetectionOptions.LoadPerCoreWarning)} must be greater than 0; got {Format(options.LoadPerCoreWarning)}.");
        }
        else if (!(options.LoadPerCoreCritical >= options.LoadPerCoreWarning) || double.IsInfinity(options.LoadPerCoreCritical))
        {
            failures.Add($"{Prefix}{nameof(DetectionOptions.LoadPerCoreCritical)} must not be below {nameof(DetectionOptions.LoadPerCoreWarning)} " +
                $"({Format(options.LoadPerCoreWarning)}); got {Format(options.LoadPerCoreCritical)}.");
        }

        if (options.JournalErrorBurstCount < 1)
        {
            failures.Add($"{Prefix}{nameof(DetectionOptions.JournalErrorBurstCount)} must be at least 1; got {options.JournalErrorBurstCount}.");
        }

        if (options.UninterruptibleProcessWarningCount < 1)
        {
            failures.Add($"{Prefix}{nameof(DetectionOptions.UninterruptibleProcessWarningCount)} must be at least 1; got {options.UninterruptibleProcessWarningCount}.");
        }

        if (options.RecentRebootWindow < TimeSpan.Zero)
        {
            failures.Add($"{Prefix}{nameof(DetectionOptions.RecentRebootWindow)} must not be negative; got {options.RecentRebootWindow}.");
        }

        if (options.UnitActivatingTooLong <= TimeSpan.Zero)
        {
            failures.Add($"{Prefix}{nameof(DetectionOptions.UnitActivatingTooLong)} must be greater than zero; got {options.UnitActivatingTooLong}.");
        }

        if (options.UnitRestartBurstCount < 1)
        {
            failures.Add($"{Prefix}{nameof(DetectionOptions.UnitRestartBurstCount)} must be at least 1; got {options.UnitRestartBurstCount}.");
        }

        if (options.UnitFailedDuringBootWindow < TimeSpan.Zero)
        {
            failures.Add($"{Prefix}{nameof(DetectionOptions.UnitFailedDuringBootWindow)} must not be negative; got {options.UnitFailedDuringBootWindow}.");
        }

        if (options.NixosGenerationsWarningCount < 1)
        {
            failures.Add($"{Prefix}{nameof(DetectionOptions.NixosGenerationsWarningCount)} must be at least 1; got {options.NixosGenerationsWarningCount}.");
        }

        // An empty prefix matches every mount point and would silently switch the disk checks off.
        if (options.IgnoredMountPointPrefixes.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add($"{Prefix}{nameof(DetectionOptions.IgnoredMountPointPrefixes)} must not contain empty entries.");
        }

        if (options.IgnoredUnits.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add($"{Prefix}{nameof(DetectionOptions.IgnoredUnits)} must not contain empty entries.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidatePercentPair(
        List<string> failures, string warningKey, double warning, string criticalKey, double critical)
    {
        if (!IsPercent(warning))
        {
            failures.Add($"{Prefix}{warningKey} must be between 1 and 100; got {Format(warning)}.");
            return;
        }

        if (!IsPercent(critical) || critical < warning)
        {
            failures.Add($"{Prefix}{criticalKey} must be between 1 and 100 and not below {warningKey} ({Format(warning)}); got {Format(critical)}.");
        }
    }

    private static void ValidatePercent(List<string> failures, string key, double value)
    {
        if (!IsPercent(value))
        {
            failures.Add($"{Prefix}{key} must be between 1 and 100; got {Format(value)}.");
        }
    }

    private static bool IsPercent(double value) => value is >= 1 and <= 100;

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
