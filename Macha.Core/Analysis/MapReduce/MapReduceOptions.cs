using Microsoft.Extensions.Options;

namespace Macha.Core.Analysis.MapReduce;

/// <summary>
/// Limits of the large-output cache and of chunked map-reduce; bound from the
/// <c>Macha:Analysis:MapReduce</c> section.
/// </summary>
public sealed class MapReduceOptions
{
    public const string SectionName = "Macha:Analysis:MapReduce";

    /// <summary>Age after which a cached output is deleted.</summary>
    public TimeSpan CacheMaxAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Total size of all cached outputs, in bytes; the oldest are deleted beyond it.</summary>
    public long CacheMaxTotalBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// Size of one cached output, in bytes. The rest of a longer source is dropped and the entry ends
    /// with a line that says where it was cut. At most <see cref="CacheMaxTotalBytes"/>.
    /// </summary>
    public long CacheMaxEntryBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// Model calls one reduction may make, map and reduce steps together. A reduction that would need
    /// more fails before its first call when the map step alone exceeds the limit.
    /// </summary>
    /// <remarks>
    /// A local model takes tens of seconds per call on a single GPU, so 32 calls already keep it busy
    /// for many minutes; raise this where reductions of larger outputs are worth that wait.
    /// </remarks>
    public int MaxModelCalls { get; set; } = 32;

    /// <summary>
    /// Tokens reserved for the model's answer to each map or reduce prompt, sent as num_predict. The
    /// rest of <see cref="AnalysisOptions.ContextTokens"/> holds the prompt.
    /// </summary>
    public int AnswerTokens { get; set; } = 512;
}

/// <summary>Checks the map-reduce settings at start; each message names the key to fix.</summary>
internal sealed class MapReduceOptionsValidator : IValidateOptions<MapReduceOptions>
{
    public ValidateOptionsResult Validate(string? name, MapReduceOptions options)
    {
        var errors = new List<string>();
        if (options.CacheMaxAge < TimeSpan.FromMinutes(1))
        {
            errors.Add($"Macha:Analysis:MapReduce:CacheMaxAge must be at least 00:01:00; got {options.CacheMaxAge}.");
        }

        if (options.CacheMaxTotalBytes < 1024 * 1024)
        {
            errors.Add($"Macha:Analysis:MapReduce:CacheMaxTotalBytes must be at least 1048576 (1 MiB); got {options.CacheMaxTotalBytes}.");
        }

        if (options.CacheMaxEntryBytes < 64 * 1024 || options.CacheMaxEntryBytes > options.CacheMaxTotalBytes)
        {
            errors.Add($"Macha:Analysis:MapReduce:CacheMaxEntryBytes must be between 65536 and Macha:Analysis:MapReduce:CacheMaxTotalBytes ({options.CacheMaxTotalBytes}); got {options.CacheMaxEntryBytes}.");
        }

        if (options.MaxModelCalls is < 1 or > 100_000)
        {
            errors.Add($"Macha:Analysis:MapReduce:MaxModelCalls must be between 1 and 100000; got {options.MaxModelCalls}.");
        }

        if (options.AnswerTokens is < 64 or > 32_768)
        {
            errors.Add($"Macha:Analysis:MapReduce:AnswerTokens must be between 64 and 32768; got {options.AnswerTokens}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
