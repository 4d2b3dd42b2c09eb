using Macha.Core.Hosts;
using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Monitoring.Collectors;

/// <summary>
/// Reads the NixOS version, the system generations, whether a reboot would change the kernel, and
/// the space left for the Nix store. On other distributions it reports itself as not applicable.
/// </summary>
/// <remarks>
/// Every check is cheap: links, one stat, one directory listing and df. It never runs du over the
/// store, which walks millions of files, and never evaluates a Nix expression. Each argument is a
/// constant or a path built from a parsed number, so no text from the host becomes an argument.
/// </remarks>
internal sealed class NixosCollector : ICollector
{
    public const string NotNixosDetail = "not a NixOS host";

    public const string NixosMarkerPath = "/etc/NIXOS";
    public const string OsReleasePath = "/etc/os-release";
    public const string ProfilesDirectory = "/nix/var/nix/profiles";
    public const string SystemProfilePath = "/nix/var/nix/profiles/system";
    public const string CurrentSystemPath = "/run/current-system";
    public const string BootedSystemPath = "/run/booted-system";
    public const string StorePath = "/nix/store";

    /// <summary>
    /// Links of a system that only a reboot activates. NixOS's auto-upgrade module
    /// (nixos/modules/tasks/auto-upgrade.nix) compares the same three before it reboots a host.
    /// </summary>
    public static readonly IReadOnlyList<string> BootComponentNames = ["kernel", "initrd", "kernel-modules"];

    private const int MaxSmallFileBytes = 64 * 1024;

    // readlink -e -v reports a missing path with this text from strerror(ENOENT) under LC_ALL=C.
    private const string NoSuchFileText = "No such file or directory";

    public string Name => "nixos";

    public IReadOnlyList<FileReadRequest> FilesRead { get; } = [new(NixosMarkerPath, MaxSmallFileBytes), new(OsReleasePath, MaxSmallFileBytes)];

    public async Task<CollectorOutcome> CollectAsync(CollectionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);

        // The os collector runs first; when it named another distribution, the NixOS checks do not apply.
        if (context.Snapshot.Os is { Family: not OsFamily.Nixos and not OsFamily.Unknown })
        {
            return CollectorOutcome.NotApplicable(NotNixosDetail);
        }

        // When the os collector found NixOS, a failed read here must not make the host "not NixOS".
        if (context.Snapshot.Os is not { Family: OsFamily.Nixos } && !await IsNixosAsync(context, cancellationToken))
        {
            return CollectorOutcome.NotApplicable(NotNixosDetail);
        }

        var problems = new ProblemList();
        var version = await ReadVersionAsync(context, problems, cancellationToken);
        var generations = await ReadGenerationsAsync(context, problems, cancellationToken);
        var systemLinks = await ReadSystemLinksAsync(context, problems, cancellationToken);
        var store = await ReadStoreAsync(context, problems, cancellationToken);

        if (version is null && generations is null && systemLinks is null && store is null)
        {
            return CollectorOutcome.Failed($"No NixOS check succeeded: {problems.Detail}", problems.FirstOutput);
        }

        context.Snapshot.Nixos = new NixosSection(version, generations, systemLinks, store);
        return problems.IsEmpty
            ? CollectorOutcome.Ok()
            : new CollectorOutcome(CollectorState.Partial, problems.Detail, problems.FirstOutput is { } output ? CollectorStatus.Excerpt(output) : null);
    }

    /// <summary>Returns true when the host has an /etc/NIXOS file or ID=nixos in /etc/os-release.</summary>
    private static async Task<bool> IsNixosAsync(CollectionContext context, CancellationToken cancellationToken)
    {
        var marker = await context.ReadFileAsync(NixosMarkerPath, MaxSmallFileBytes, cancellationToken);
        if (marker.Exists)
        {
            return true;
        }

        var osRelease = await context.ReadFileAsync(OsReleasePath, MaxSmallFileBytes, cancellationToken);
        return osRelease.Exists
            && string.Equals(OsReleaseParser.ReadField(osRelease.Content, "ID"), "nixos", StringComparison.Ordinal);
    }

    private static async Task<NixosVersion?> ReadVersionAsync(CollectionContext context, ProblemList problems, CancellationToken cancellationToken)
    {
        var jsonRequest = context.Command("nixos-version", "--json");
        var jsonResult = await context.Shell.RunAsync(jsonRequest, cancellationToken);
        if (jsonResult.Succeeded)
        {
            var fromJson = NixosVersionParser.ParseJson(jsonResult.StandardOutput);
            if (fromJson.Succeeded)
            {
                return fromJson.Value;
            }

            // A nixos-version without --json may ignore the option and print the plain version.
            var plainFromJsonRun = NixosVersionParser.ParsePlain(jsonResult.StandardOutput);
            if (plainFromJsonRun.Succeeded)
            {
                return plainFromJsonRun.Value;
            }
        }
        else if (jsonResult.Status is CommandStatus.NotFound or CommandStatus.TimedOut)
        {
            problems.Add($"The NixOS version is unknown: {jsonResult.Describe(jsonRequest.DisplayText)}");
            return null;
        }

        var plainRequest = context.Command("nixos-version");
        var plainResult = await context.Shell.RunAsync(plainRequest, cancellationToken);
        if (!plainResult.Succeeded)
        {
            problems.Add($"The NixOS version is unknown: {plainResult.Describe(plainRequest.DisplayText)}", plainResult.StandardOutput + plainResult.StandardError);
            return null;
        }

        var plain = NixosVersionParser.ParsePlain(plainResult.StandardOutput);
        if (!plain.Succeeded)
        {
            problems.Add($"The NixOS version is unknown: {plain.Error}", plainResult.StandardOutput);
            return null;
        }

        return plain.Value;
    }

    private static async Task<NixosGenerations?> ReadGenerationsAsync(CollectionContext context, ProblemList problems, CancellationToken cancellationToken)
    {
        int? current = null;
        DateTimeOffset? createdAt = null;

        // -v makes readlink print why it failed, because GNU readlink (coreutils 9.1) otherwise exits 1 silently.
        var linkRequest = context.Command("readlink", "-v", "--", SystemProfilePath);
        var linkOutput = await RunForOutputAsync(context, linkRequest, "The current generation is unknown", problems, cancellationToken);
        if (linkOutput is not null)
        {
            var link = NixosProfileParser.ParseProfileLink(linkOutput);
            if (link.Succeeded)
            {
                current = link.Value;
            }
            else
            {
                problems.Add($"The current generation is unknown: {link.Error}", linkOutput);
            }
        }

        if (current is { } generation)
        {
            var statRequest = context.Command("stat", "-c", "%Y", "--", NixosProfileParser.GenerationLinkPath(generation));
            var statOutput = await RunForOutputAsync(context, statRequest, "The current generation's age is unknown", problems, cancellationToken);
            if (statOutput is not null)
            {
                var modified = NixosProfileParser.ParseEpochSeconds(statOutput);
                if (modified.Succeeded)
                {
                    createdAt = modified.Value;
                }
                else
                {
                    problems.Add($"The current generation's age is unknown: {modified.Error}", statOutput);
                }
            }
        }

        int? count = null;
        int? oldest = null;
        var listRequest = context.Command("ls", "-1", "--", ProfilesDirectory);
        var listOutput = await RunForOutputAsync(context, listRequest, "The number of generations is unknown", problems, cancellationToken);
        if (listOutput is not null)
        {
            var list = NixosProfileParser.ParseGenerationList(listOutput);
            if (list.Succeeded)
            {
                count = list.Value.Count;
                oldest = list.Value.Min();
            }
            else
            {
                problems.Add($"The number of generations is unknown: {list.Error}", listOutput);
            }
        }

        return current is null && count is null ? null : new NixosGenerations(current, createdAt, count, oldest);
    }

    private static async Task<NixosSystemLinks?> ReadSystemLinksAsync(CollectionContext context, ProblemList problems, CancellationToken cancellationToken)
    {
        var current = await ReadLinkTargetAsync(context, CurrentSystemPath, cancellationToken);
        var booted = await ReadLinkTargetAsync(context, BootedSystemPath, cancellationToken);
        if (current.Target is null || booted.Target is null)
        {
            var failed = current.Target is null ? current : booted;
            problems.Add($"Whether a reboot is pending is unknown: {failed.Problem}", failed.Output);
            return null;
        }

        var components = new List<NixosBootComponent>();
        foreach (var name in BootComponentNames)
        {
            var currentComponent = await ReadLinkTargetAsync(context, CurrentSystemPath + "/" + name, cancellationToken);
            var bootedComponent = await ReadLinkTargetAsync(context, BootedSystemPath + "/" + name, cancellationToken);
            var unreadable = new[] { currentComponent, bootedComponent }.FirstOrDefault(link => link.Target is null && !link.Absent);
            if (unreadable is not null)
            {
                problems.Add($"Whether the {name} changed since boot is unknown: {unreadable.Problem}", unreadable.Output);
                continue;
            }

            // A container's system has no kernel, initrd or modules, so there is nothing to compare.
            if (currentComponent.Absent && bootedComponent.Absent)
            {
                continue;
            }

            components.Add(new NixosBootComponent(name, currentComponent.Target, bootedComponent.Target));
        }

        return new NixosSystemLinks(current.Target, booted.Target, components);
    }

    /// <summary>
    /// Resolves a link with <c>readlink -e</c>, which fails for a missing path. <c>readlink -f</c>
    /// would resolve a missing <c>kernel</c> link to a path inside each system, and two systems
    /// would then always differ.
    /// </summary>
    private static async Task<LinkTarget> ReadLinkTargetAsync(CollectionContext context, string path, CancellationToken cancellationToken)
    {
        var request = context.Command("readlink", "-e", "-v", "--", path);
        var result = await context.Shell.RunAsync(request, cancellationToken);
        if (result.Succeeded)
        {
            var target = result.StandardOutput.Trim();
            return IsStorePath(target)
                ? new LinkTarget(target, false, null, null)
                : new LinkTarget(null, false, $"{request.DisplayText} printed no /nix/store path: '{CollectorStatus.Excerpt(target)}'", result.StandardOutput);
        }

        var absent = result.Status == CommandStatus.Exited && result.StandardError.Contains(NoSuchFileText, StringComparison.Ordinal);
        return new LinkTarget(null, absent, result.Describe(request.DisplayText), result.StandardOutput + result.StandardError);
    }

    private static async Task<FilesystemUsage?> ReadStoreAsync(CollectionContext context, ProblemList problems, CancellationToken cancellationToken)
    {
        var spaceRequest = context.Command("df", "-P", "-k", "--", StorePath);
        var spaceOutput = await RunForOutputAsync(context, spaceRequest, "The Nix store's free space is unknown", problems, cancellationToken);
        if (spaceOutput is null)
        {
            return null;
        }

        var space = DfParser.Parse(spaceOutput);
        if (space.Quantity != DfQuantity.Bytes || space.Rows.Count != 1 || space.Rows[0].Total is not { } total || total <= 0)
        {
            problems.Add($"The Nix store's free space is unknown: {spaceRequest.DisplayText} printed no single filesystem line", spaceOutput);
            return null;
        }

        var row = space.Rows[0];
        var store = new FilesystemUsage(row.Source, null, row.MountPoint, total, row.Used ?? 0, row.Available ?? 0);

        var inodeRequest = context.Command("df", "-P", "-i", "--", StorePath);
        var inodeOutput = await RunForOutputAsync(context, inodeRequest, "The Nix store's inode use is unknown", problems, cancellationToken);
        if (inodeOutput is null)
        {
            return store;
        }

        var inodes = DfParser.Parse(inodeOutput);
        if (inodes.Quantity != DfQuantity.Inodes || inodes.Rows.Count != 1)
        {
            problems.Add($"The Nix store's inode use is unknown: {inodeRequest.DisplayText} printed no single filesystem line with inodes", inodeOutput);
            return store;
        }

        // A filesystem without inode accounting (btrfs) reports none, and the parser leaves them null.
        return store with { InodesTotal = inodes.Rows[0].Total, InodesUsed = inodes.Rows[0].Used };
    }

    /// <summary>Runs a command and returns its standard output, or records why it failed and returns null.</summary>
    private static async Task<string?> RunForOutputAsync(
        CollectionContext context, CommandRequest request, string consequence, ProblemList problems, CancellationToken cancellationToken)
    {
        var result = await context.Shell.RunAsync(request, cancellationToken);
        if (result.Succeeded)
        {
            return result.StandardOutput;
        }

        problems.Add($"{consequence}: {result.Describe(request.DisplayText)}", result.StandardOutput + result.StandardError);
        return null;
    }

    private static bool IsStorePath(string path) =>
        path.StartsWith(StorePath + "/", StringComparison.Ordinal) && !path.Contains('\n', StringComparison.Ordinal);

    /// <param name="Absent">True when the path does not exist, as opposed to a failure to read it.</param>
    private sealed record LinkTarget(string? Target, bool Absent, string? Problem, string? Output);

    /// <summary>What could not be read, in order, with the output of the first failure that printed any.</summary>
    private sealed class ProblemList
    {
        private readonly List<string> _details = [];

        public bool IsEmpty => _details.Count == 0;

        public string Detail => string.Join("; ", _details);

        public string? FirstOutput { get; private set; }

        public void Add(string detail, string? output = null)
        {
            _details.Add(detail);
            if (FirstOutput is null && !string.IsNullOrWhiteSpace(output))
            {
                FirstOutput = output;
            }
        }
    }
}
