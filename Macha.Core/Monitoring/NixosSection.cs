namespace Macha.Core.Monitoring;

/// <summary>
/// NixOS state of a host: its version, system generations, whether a reboot would change the
/// kernel, and the filesystem of the Nix store. A part is null when it could not be read, and the
/// collector status says why; null never means "fine".
/// </summary>
public sealed record NixosSection(
    NixosVersion? Version,
    NixosGenerations? Generations,
    NixosSystemLinks? SystemLinks,
    FilesystemUsage? Store);

/// <summary>What <c>nixos-version</c> prints.</summary>
/// <param name="Version">Such as "24.11.719113.50ab793786d9 (Vicuna)".</param>
/// <param name="NixpkgsRevision">Git commit of nixpkgs the system was built from; null when unknown or without JSON output.</param>
/// <param name="ConfigurationRevision">Git commit of the flake that configures the host, when it sets one.</param>
public sealed record NixosVersion(
    string Version,
    string? NixpkgsRevision,
    string? ConfigurationRevision);

/// <summary>The system profile's generations under /nix/var/nix/profiles.</summary>
/// <param name="Current">Number of the generation the system profile points to; null when the link could not be read.</param>
/// <param name="CurrentCreatedAt">Modification time of the current generation's link, which is when it was built; null when unreadable.</param>
/// <param name="Count">Number of system-N-link entries, including the current one; null when the directory could not be listed.</param>
/// <param name="Oldest">Lowest generation number still present; null with <see cref="Count"/>.</param>
public sealed record NixosGenerations(
    int? Current,
    DateTimeOffset? CurrentCreatedAt,
    int? Count,
    int? Oldest);

/// <summary>The store paths behind /run/current-system (last switched to) and /run/booted-system (booted).</summary>
/// <param name="BootComponents">The kernel, initrd and kernel modules of both systems, for those that could be read.</param>
public sealed record NixosSystemLinks(
    string CurrentSystem,
    string BootedSystem,
    IReadOnlyList<NixosBootComponent> BootComponents)
{
    /// <summary>True when a configuration was switched to since boot.</summary>
    public bool Switched => !string.Equals(CurrentSystem, BootedSystem, StringComparison.Ordinal);

    /// <summary>Boot components that only take effect after a reboot.</summary>
    public IEnumerable<NixosBootComponent> ChangedComponents => BootComponents.Where(component => component.Changed);
}

/// <summary>One link that only a reboot activates, such as "kernel", resolved in both systems.</summary>
/// <param name="Name">Name of the link inside the system's store path: "kernel", "initrd" or "kernel-modules".</param>
/// <param name="CurrentTarget">Resolved target in the current system; null when that system has no such link.</param>
/// <param name="BootedTarget">Resolved target in the booted system; null when that system has no such link.</param>
public sealed record NixosBootComponent(
    string Name,
    string? CurrentTarget,
    string? BootedTarget)
{
    public bool Changed => !string.Equals(CurrentTarget, BootedTarget, StringComparison.Ordinal);
}
