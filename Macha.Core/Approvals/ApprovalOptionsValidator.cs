using Microsoft.Extensions.Options;

namespace Macha.Core.Approvals;

/// <summary>Checks the approval settings at start; each message names the key to fix and the value found.</summary>
internal sealed class ApprovalOptionsValidator : IValidateOptions<ApprovalOptions>
{
    private const string Prefix = ApprovalOptions.SectionName + ":";

    // The bound catches a value in the wrong unit. A proposal based on a host's state of weeks ago
    // would be stale anyway.
    private static readonly TimeSpan MaxTimeToLive = TimeSpan.FromDays(30);

    public ValidateOptionsResult Validate(string? name, ApprovalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        if (options.TimeToLive <= TimeSpan.Zero || options.TimeToLive > MaxTimeToLive)
        {
            return ValidateOptionsResult.Fail(
                $"{Prefix}{nameof(ApprovalOptions.TimeToLive)} must be greater than zero and at most {MaxTimeToLive.TotalDays} days, written like 1.00:00:00 for one day; got {options.TimeToLive}.");
        }

        return ValidateOptionsResult.Success;
    }
}
