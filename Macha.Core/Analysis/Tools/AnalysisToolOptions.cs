using Microsoft.Extensions.Options;

namespace Macha.Core.Analysis.Tools;

/// <summary>Where the read-only tools may look; bound from the <c>Macha:Analysis:Tools</c> section.</summary>
/// <remarks>
/// The configuration binder adds configured list items to a list that already has items. The two
/// root lists therefore start out null and fall back to their defaults, so a configured list
/// replaces them. The deny list starts with its defaults, so configured patterns are added to them
/// and the defaults cannot be removed.
/// </remarks>
public sealed class AnalysisToolOptions
{
    public const string SectionName = "Macha:Analysis:Tools";

    public static readonly IReadOnlyList<string> DefaultDiskUsageRoots = ["/var", "/home", "/srv", "/opt", "/tmp", "/nix/var"];

    public static readonly IReadOnlyList<string> DefaultReadFileRoots = ["/etc", "/var/log", "/run/systemd", "/nix/var/nix/profiles"];

    /// <summary>
    /// Absolute directories whose disk use disk_usage may measure; null means
    /// <see cref="DefaultDiskUsageRoots"/>. /proc, /sys, /dev and /nix/store are never measured.
    /// </summary>
    public List<string>? DiskUsageRoots { get; set; }

    /// <summary>Absolute directories under which read_file may read files; null means <see cref="DefaultReadFileRoots"/>.</summary>
    public List<string>? ReadFileRoots { get; set; }

    /// <summary>
    /// Patterns of paths read_file never reads, checked before and after symbolic links are resolved.
    /// A pattern with '/' matches the whole path, one without matches any path component; '*' and
    /// '?' are wildcards, and case is ignored.
    /// </summary>
    public List<string> ReadFileDenyPatterns { get; set; } =
    [
        "/etc/shadow*",
        "/etc/gshadow*",
        "/etc/ssh/*key*",
        "/etc/ssl/private/*",
        "/etc/NetworkManager/system-connections/*",
        "*/secrets/*",
        "*secret*",
        "*token*",
        "*password*",
        "*.key",
        "*.pem",
        "*.keytab",
    ];

    public IReadOnlyList<string> EffectiveDiskUsageRoots => DiskUsageRoots ?? DefaultDiskUsageRoots;

    public IReadOnlyList<string> EffectiveReadFileRoots => ReadFileRoots ?? DefaultReadFileRoots;
}

/// <summary>Checks the tool settings at start; each message names the key to fix and the value found.</summary>
internal sealed class AnalysisToolOptionsValidator : IValidateOptions<AnalysisToolOptions>
{
    private const string Prefix = AnalysisToolOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, AnalysisToolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        var failures = new List<string>();
        CheckRoots(nameof(AnalysisToolOptions.DiskUsageRoots), options.EffectiveDiskUsageRoots, failures);
        CheckRoots(nameof(AnalysisToolOptions.ReadFileRoots), options.EffectiveReadFileRoots, failures);

        foreach (var root in options.EffectiveDiskUsageRoots)
        {
            if (HostPath.IsUnder(DiskUsageTool.StorePath, root.TrimEnd('/')) || HostPath.IsUnder(root, DiskUsageTool.StorePath))
            {
                failures.Add($"{Prefix}{nameof(AnalysisToolOptions.DiskUsageRoots)} must not contain /nix/store, a directory inside it or one that contains it, because du would walk the whole store; got '{root}'.");
            }
        }

        for (var i = 0; i < options.ReadFileDenyPatterns.Count; i++)
        {
            var pattern = options.ReadFileDenyPatterns[i];
            if (string.IsNullOrWhiteSpace(pattern) || pattern.Any(char.IsControl))
            {
                failures.Add($"{Prefix}{nameof(AnalysisToolOptions.ReadFileDenyPatterns)}:{i} must be a non-empty pattern such as '*.pem' without control characters; got '{pattern}'.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckRoots(string key, IReadOnlyList<string> roots, List<string> failures)
    {
        if (roots.Count == 0)
        {
            failures.Add($"{Prefix}{key} must list at least one absolute directory; remove the key to use the defaults.");
        }

        for (var i = 0; i < roots.Count; i++)
        {
            var root = roots[i] ?? string.Empty;
            var normalized = HostPath.Normalize(root, out var error);
            if (normalized is null)
            {
                failures.Add($"{Prefix}{key}:{i} {error}; got '{root}'.");
                continue;
            }

            var denied = HostPath.AlwaysDeniedRoots.FirstOrDefault(
                deniedRoot => HostPath.IsUnder(normalized, deniedRoot) || HostPath.IsUnder(deniedRoot, normalized));
            if (denied is not null)
            {
                failures.Add($"{Prefix}{key}:{i} must not be {denied}, inside it or contain it, because tools never read /proc, /sys or /dev; got '{root}'.");
            }
        }
    }
}
