using Macha.Core.Hosts;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Monitoring.Collectors;

/// <summary>
/// Reads the distribution from <c>/etc/os-release</c>, falling back to <c>/usr/lib/os-release</c>
/// as os-release(5) says, and sorts it into a family by ID, then by ID_LIKE.
/// </summary>
internal sealed class OsCollector : ICollector
{
    public static readonly IReadOnlyList<string> OsReleasePaths = ["/etc/os-release", "/usr/lib/os-release"];

    private const int MaxOsReleaseBytes = 64 * 1024;

    public string Name => "os";

    public IReadOnlyList<FileReadRequest> FilesRead { get; } = [new(OsReleasePaths[0], MaxOsReleaseBytes)];

    public async Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);

        string? lastError = null;
        foreach (var path in OsReleasePaths)
        {
            var file = await context.ReadFileAsync(path, MaxOsReleaseBytes, cancellationToken);
            if (!file.Exists)
            {
                lastError = file.Error;
                continue;
            }

            var id = OsReleaseParser.ReadField(file.Content, "ID");
            if (string.IsNullOrWhiteSpace(id))
            {
                return CollectorOutcome.Failed($"{path} has no ID field", file.Content);
            }

            var name = OsReleaseParser.ReadField(file.Content, "PRETTY_NAME") ?? OsReleaseParser.ReadField(file.Content, "NAME");
            var family = Classify(id, OsReleaseParser.ReadField(file.Content, "ID_LIKE"));
            context.Snapshot.Os = new OsSection(family, id, name, OsReleaseParser.ReadField(file.Content, "VERSION_ID"));
            return CollectorOutcome.Ok();
        }

        return CollectorOutcome.Unavailable($"no os-release file: {lastError}");
    }

    /// <summary>Returns the family of an os-release ID, else of the first ID_LIKE entry that has one.</summary>
    public static OsFamily Classify(string id, string? idLike)
    {
        ArgumentNullException.ThrowIfNull(id);
        var candidates = new List<string> { id };
        candidates.AddRange((idLike ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries));
        foreach (var candidate in candidates)
        {
            var family = candidate.ToLowerInvariant() switch
            {
                "nixos" => OsFamily.Nixos,
                "debian" or "ubuntu" => OsFamily.Debian,
                "fedora" or "rhel" or "centos" => OsFamily.Fedora,
                "arch" => OsFamily.Arch,
                "alpine" => OsFamily.Alpine,
                _ => OsFamily.Unknown,
            };
            if (family != OsFamily.Unknown)
            {
                return family;
            }
        }

        return OsFamily.Unknown;
    }
}
