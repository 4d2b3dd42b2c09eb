using Macha.Core.Analysis.Decisions;
using Microsoft.Extensions.Options;

namespace Macha.Core.Actions;

/// <summary>Checks the action settings at start. Each message names the key to fix and the value found.</summary>
internal sealed class ActionOptionsValidator : IValidateOptions<ActionOptions>
{
    private const string Prefix = ActionOptions.SectionName + ":";
    private const int MaxRestartLimitPerUnit = 100;
    private const int MaxAutomaticActionsLimit = 1000;
    private const int MaxProtectedUnitLength = 255;
    private static readonly TimeSpan MaxRestartWindow = TimeSpan.FromDays(7);
    private static readonly TimeSpan MaxRestartSettleTime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxDryRunTimeout = TimeSpan.FromMinutes(30);

    public ValidateOptionsResult Validate(string? name, ActionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        var failures = new List<string>();

        if (!Enum.IsDefined(options.AutonomyLevel))
        {
            failures.Add($"{Prefix}{nameof(ActionOptions.AutonomyLevel)} must be one of {string.Join(", ", Enum.GetNames<AutonomyLevel>())}; got {options.AutonomyLevel}.");
        }

        for (var i = 0; i < (options.ProtectedUnits?.Count ?? 0); i++)
        {
            var entry = options.ProtectedUnits![i];
            if (string.IsNullOrWhiteSpace(entry) || entry.Length > MaxProtectedUnitLength || !entry.All(IsProtectedUnitCharacter))
            {
                failures.Add($"{Prefix}{nameof(ActionOptions.ProtectedUnits)}:{i} must be a unit name or a pattern with '*', using only letters, digits and : - _ . \\ @ *; got '{entry}'.");
            }
        }

        if (options.RestartLimitPerUnit is < 0 or > MaxRestartLimitPerUnit)
        {
            failures.Add($"{Prefix}{nameof(ActionOptions.RestartLimitPerUnit)} must be between 0 and {MaxRestartLimitPerUnit}; got {options.RestartLimitPerUnit}.");
        }

        if (options.RestartWindow <= TimeSpan.Zero || options.RestartWindow > MaxRestartWindow)
        {
            failures.Add($"{Prefix}{nameof(ActionOptions.RestartWindow)} must be greater than zero and at most {MaxRestartWindow}; got {options.RestartWindow}.");
        }

        if (options.MaxAutomaticActionsPerHour is < 0 or > MaxAutomaticActionsLimit)
        {
            failures.Add($"{Prefix}{nameof(ActionOptions.MaxAutomaticActionsPerHour)} must be between 0 and {MaxAutomaticActionsLimit}; got {options.MaxAutomaticActionsPerHour}.");
        }

        if (options.RestartSettleTime < TimeSpan.Zero || options.RestartSettleTime > MaxRestartSettleTime)
        {
            failures.Add($"{Prefix}{nameof(ActionOptions.RestartSettleTime)} must be between 00:00:00 and {MaxRestartSettleTime}; got {options.RestartSettleTime}.");
        }

        if (options.DryRunTimeout <= TimeSpan.Zero || options.DryRunTimeout > MaxDryRunTimeout)
        {
            failures.Add($"{Prefix}{nameof(ActionOptions.DryRunTimeout)} must be greater than zero and at most {MaxDryRunTimeout}; got {options.DryRunTimeout}.");
        }

        foreach (var (kind, risk) in options.RiskOverrides ?? [])
        {
            var key = $"{Prefix}{nameof(ActionOptions.RiskOverrides)}:{kind}";
            var builtIn = ActionRiskPolicy.BuiltInRisk(kind);
            if (builtIn is null)
            {
                failures.Add($"{key} names no action kind; use one of {string.Join(", ", ActionKinds.All)}.");
            }
            else if (!Enum.IsDefined(risk))
            {
                failures.Add($"{key} must be one of {string.Join(", ", Enum.GetNames<ActionRisk>())}; got {risk}.");
            }
            else if (risk < builtIn)
            {
                failures.Add($"{key} can only raise the risk of {kind}, which is {builtIn} by default; got {risk}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsProtectedUnitCharacter(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is ':' or '-' or '_' or '.' or '\\' or '@' or '*';
}
