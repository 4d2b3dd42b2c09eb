using System.Globalization;
using Microsoft.Extensions.Options;

namespace Macha.Core.Analysis;

/// <summary>Checks the analysis settings at start; each message names the key to fix and the value found.</summary>
internal sealed class AnalysisOptionsValidator : IValidateOptions<AnalysisOptions>
{
    private const string Prefix = AnalysisOptions.SectionName + ":";
    private const int MaxConcurrentRequestsLimit = 16;
    private const int MinContextTokens = 2048;
    private const int MaxContextTokens = 1_048_576;
    private const double MaxTemperature = 2;
    private const int MaxToolRoundsLimit = 20;
    private static readonly TimeSpan MaxRequestTimeout = TimeSpan.FromHours(1);

    public ValidateOptionsResult Validate(string? name, AnalysisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        var failures = new List<string>();

        if (options.OllamaUrl is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"{Prefix}{nameof(AnalysisOptions.OllamaUrl)} must be an absolute http or https address such as http://127.0.0.1:11434; got '{options.OllamaUrl}'.");
        }

        if (string.IsNullOrWhiteSpace(options.Model) || options.Model.Any(char.IsWhiteSpace))
        {
            failures.Add($"{Prefix}{nameof(AnalysisOptions.Model)} must be a model name as Ollama lists it, such as qwen3:8b, without spaces; got '{options.Model}'.");
        }

        if (options.ContextTokens is < MinContextTokens or > MaxContextTokens)
        {
            failures.Add($"{Prefix}{nameof(AnalysisOptions.ContextTokens)} must be between {MinContextTokens} and {MaxContextTokens}; got {options.ContextTokens}.");
        }

        // Written so that NaN, which fails every comparison, is rejected too.
        if (!(options.Temperature >= 0 && options.Temperature <= MaxTemperature))
        {
            failures.Add($"{Prefix}{nameof(AnalysisOptions.Temperature)} must be between 0 and {MaxTemperature}; got {options.Temperature.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero || options.RequestTimeout > MaxRequestTimeout)
        {
            failures.Add($"{Prefix}{nameof(AnalysisOptions.RequestTimeout)} must be greater than zero and at most {MaxRequestTimeout}; got {options.RequestTimeout}.");
        }

        if (options.MaxToolRounds is < 0 or > MaxToolRoundsLimit)
        {
            failures.Add($"{Prefix}{nameof(AnalysisOptions.MaxToolRounds)} must be between 0 and {MaxToolRoundsLimit}; got {options.MaxToolRounds}.");
        }

        if (options.MaxConcurrentRequests is < 1 or > MaxConcurrentRequestsLimit)
        {
            failures.Add($"{Prefix}{nameof(AnalysisOptions.MaxConcurrentRequests)} must be between 1 and {MaxConcurrentRequestsLimit}; got {options.MaxConcurrentRequests}.");
        }

        if (options.PriorityAging <= TimeSpan.Zero)
        {
            failures.Add($"{Prefix}{nameof(AnalysisOptions.PriorityAging)} must be greater than zero; got {options.PriorityAging}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
