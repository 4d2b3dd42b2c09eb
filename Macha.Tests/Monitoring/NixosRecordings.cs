using System.Globalization;
using Macha.Tests.Fakes;

namespace Macha.Tests.Monitoring;

/// <summary>
/// Outputs of the NixOS collector's commands as NixOS 24.11 and 25.05 print them under LC_ALL=C,
/// starting from a healthy 24.11 host; each helper changes one thing.
/// </summary>
internal static class NixosRecordings
{
    public const string VersionJson = "nixos-version --json";
    public const string VersionPlain = "nixos-version";
    public const string ProfileLink = "readlink -v -- /nix/var/nix/profiles/system";
    public const string GenerationStat = "stat -c %Y -- /nix/var/nix/profiles/system-142-link";
    public const string ProfileList = "ls -1 -- /nix/var/nix/profiles";
    public const string CurrentSystem = "readlink -e -v -- /run/current-system";
    public const string BootedSystem = "readlink -e -v -- /run/booted-system";
    public const string StoreSpace = "df -P -k -- /nix/store";
    public const string StoreInodes = "df -P -i -- /nix/store";

    public const string HealthySystem = "/nix/store/l9r346p3d25vs4g5v37f3r3f28js97kb-nixos-system-web1-24.11.719113.50ab793786d9";
    public const string HealthyKernel = "/nix/store/6cp643dzvlxxpkgbg5kzmwj47sam9zs2-linux-6.6.63/bzImage";
    public const string HealthyInitrd = "/nix/store/4lmnzx45iy43kwjqn1xna7z3dj8grrz5-initrd-linux-6.6.63/initrd";
    public const string HealthyModules = "/nix/store/awri8visnqf95b9ff0zbhj09spl83xrr-kernel-modules";

    // A 25.05 host switched from kernel 6.12.28 to 6.12.30 without rebooting.
    public const string SwitchedSystem = "/nix/store/rr6yr3c4dwa7m36096p14dq9hnpy77zx-nixos-system-web1-25.05.806273.650e572363c0";
    public const string BootedOldSystem = "/nix/store/yyk596mhya1dp91k5hpanfmfcgrfczn1-nixos-system-web1-25.05.802491.7c43f080a7f2";
    public const string NewKernel = "/nix/store/1iyhcnwnp5f6fycmdy0yn57qcybvm5rx-linux-6.12.30/bzImage";
    public const string OldKernel = "/nix/store/r5aa819x9yn981068vcd1hdjglhs83nx-linux-6.12.28/bzImage";
    public const string NewInitrd = "/nix/store/s891wb09b9y73ly63gci26w14wlciwyg-initrd-linux-6.12.30/initrd";
    public const string OldInitrd = "/nix/store/hcw8s7rwl4gv4dk79p9h8xf6rzafavrm-initrd-linux-6.12.28/initrd";
    public const string NewModules = "/nix/store/scnl5p1mxw1qmj47f65hi2bi8vhr9zl5-kernel-modules";
    public const string OldModules = "/nix/store/i3bv4i15h5f4h7x0msi82g7ah3bckkdj-kernel-modules";

    /// <summary>2024-12-10 11:10:12 UTC, when generation 142 was built.</summary>
    public const long Generation142BuiltAt = 1733829012;

    public const string OsRelease2411 = """
        ANSI_COLOR="1;34"
        BUG_REPORT_URL="https://github.com/NixOS/nixpkgs/issues"
        BUILD_ID="24.11.719113.50ab793786d9"
        CPE_NAME="cpe:/o:nixos:nixos:24.11"
        DEFAULT_HOSTNAME=nixos
        DOCUMENTATION_URL="https://nixos.org/learn.html"
        HOME_URL="https://nixos.org/"
        ID=nixos
        IMAGE_ID=""
        IMAGE_VERSION=""
        LOGO="nix-snowflake"
        NAME=NixOS
        PRETTY_NAME="NixOS 24.11 (Vicuna)"
        SUPPORT_END="2025-06-30"
        SUPPORT_URL="https://nixos.org/community.html"
        VARIANT=""
        VARIANT_ID=""
        VENDOR_NAME=NixOS
        VENDOR_URL="https://nixos.org/"
        VERSION="24.11 (Vicuna)"
        VERSION_CODENAME=vicuna
        VERSION_ID="24.11"

        """;

    public const string OsReleaseDebian = """
        PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
        NAME="Debian GNU/Linux"
        VERSION_ID="12"
        VERSION="12 (bookworm)"
        VERSION_CODENAME=bookworm
        ID=debian
        HOME_URL="https://www.debian.org/"
        SUPPORT_URL="https://www.debian.org/support"
        BUG_REPORT_URL="https://bugs.debian.org/"

        """;

    // builtins.toJSON sorts keys, and a configuration that sets no revision has no configurationRevision.
    public const string VersionJson2411 =
        """{"nixosVersion":"24.11.719113.50ab793786d9 (Vicuna)","nixpkgsRevision":"50ab793786d9de88ee30ec4e4c24fb4236fc2674"}""" + "\n";

    public const string VersionJson2505Flake =
        """{"configurationRevision":"9f3b2c41d7e05a6b8c1d2e3f4a5b6c7d8e9f0a1b","nixosVersion":"25.05.806273.650e572363c0 (Warbler)","nixpkgsRevision":"650e572363c091045cdbc5b36b0f4c1f614d3cfb"}""" + "\n";

    // Releases before --json ignore the option and print the plain version.
    public const string VersionPlain2003 = "20.03.3258.86fa45b0ff1 (Markhor)\n";

    public const string ProfileList2411 = """
        default
        default-57-link
        default-58-link
        per-user
        system
        system-131-link
        system-132-link
        system-133-link
        system-134-link
        system-135-link
        system-136-link
        system-137-link
        system-138-link
        system-139-link
        system-140-link
        system-141-link
        system-142-link

        """;

    // /nix/store is a read-only bind mount of itself on NixOS, so df names it as the mount point.
    public const string StoreSpace43Percent = """
        Filesystem     1024-blocks     Used Available Capacity Mounted on
        /dev/nvme0n1p2   245084444 98114632 134447084      43% /nix/store

        """;

    public const string StoreInodes16Percent = """
        Filesystem       Inodes   IUsed    IFree IUse% Mounted on
        /dev/nvme0n1p2 15597568 2457730 13139838   16% /nix/store

        """;

    // A separate 60 GiB /nix partition with 1.7 GiB left.
    public const string StoreSpace97Percent = """
        Filesystem     1024-blocks     Used Available Capacity Mounted on
        /dev/nvme0n1p3    61611820 57711592   1800216      97% /nix/store

        """;

    public const string StoreInodes97Percent = """
        Filesystem      Inodes   IUsed  IFree IUse% Mounted on
        /dev/nvme0n1p3 3932160 1421807 2510353   37% /nix/store

        """;

    public const string PermissionDenied = "readlink: /nix/var/nix/profiles/system: Permission denied\n";

    public static string ComponentCommand(string system, string component) => $"readlink -e -v -- {system}/{component}";

    /// <summary>A healthy NixOS 24.11 host: current system booted, 12 generations, store 43% full.</summary>
    public static ReplayShell Healthy() => WithHealthyCommands(new ReplayShell())
        .WithFile("/etc/NIXOS", "")
        .WithFile("/etc/os-release", OsRelease2411);

    /// <summary>Adds the command outputs of the healthy host, but none of its files.</summary>
    public static ReplayShell WithHealthyCommands(ReplayShell shell) => shell
        .WithCommand(VersionJson, VersionJson2411)
        .WithCommand(VersionPlain, "24.11.719113.50ab793786d9 (Vicuna)\n")
        .WithCommand(ProfileLink, "system-142-link\n")
        .WithCommand(GenerationStat, Generation142BuiltAt.ToString(CultureInfo.InvariantCulture) + "\n")
        .WithCommand(ProfileList, ProfileList2411)
        .WithCommand(CurrentSystem, HealthySystem + "\n")
        .WithCommand(BootedSystem, HealthySystem + "\n")
        .WithCommand(ComponentCommand("/run/current-system", "kernel"), HealthyKernel + "\n")
        .WithCommand(ComponentCommand("/run/booted-system", "kernel"), HealthyKernel + "\n")
        .WithCommand(ComponentCommand("/run/current-system", "initrd"), HealthyInitrd + "\n")
        .WithCommand(ComponentCommand("/run/booted-system", "initrd"), HealthyInitrd + "\n")
        .WithCommand(ComponentCommand("/run/current-system", "kernel-modules"), HealthyModules + "\n")
        .WithCommand(ComponentCommand("/run/booted-system", "kernel-modules"), HealthyModules + "\n")
        .WithCommand(StoreSpace, StoreSpace43Percent)
        .WithCommand(StoreInodes, StoreInodes16Percent);

    /// <summary>A 25.05 host switched to a configuration with a new kernel, initrd and modules since boot.</summary>
    public static ReplayShell RebootPending() => Healthy()
        .WithCommand(VersionJson, VersionJson2505Flake)
        .WithCommand(CurrentSystem, SwitchedSystem + "\n")
        .WithCommand(BootedSystem, BootedOldSystem + "\n")
        .WithCommand(ComponentCommand("/run/current-system", "kernel"), NewKernel + "\n")
        .WithCommand(ComponentCommand("/run/booted-system", "kernel"), OldKernel + "\n")
        .WithCommand(ComponentCommand("/run/current-system", "initrd"), NewInitrd + "\n")
        .WithCommand(ComponentCommand("/run/booted-system", "initrd"), OldInitrd + "\n")
        .WithCommand(ComponentCommand("/run/current-system", "kernel-modules"), NewModules + "\n")
        .WithCommand(ComponentCommand("/run/booted-system", "kernel-modules"), OldModules + "\n");

    /// <summary>A host that kept generations 63 to 142: 80 of them.</summary>
    public static ReplayShell EightyGenerations()
    {
        var names = new List<string> { "default", "default-58-link", "per-user", "system" };
        names.AddRange(Enumerable.Range(63, 80).Select(generation => $"system-{generation}-link"));
        return Healthy().WithCommand(ProfileList, string.Join('\n', names) + "\n");
    }

    public static ReplayShell StoreNearlyFull() => Healthy()
        .WithCommand(StoreSpace, StoreSpace97Percent)
        .WithCommand(StoreInodes, StoreInodes97Percent);

    public static ReplayShell VersionWithoutJson() => Healthy()
        .WithCommand(VersionJson, VersionPlain2003)
        .WithCommand(VersionPlain, VersionPlain2003);

    public static ReplayShell ProfileLinkPermissionDenied() => Healthy()
        .WithCommand(ProfileLink, "", exitCode: 1, standardError: PermissionDenied);

    /// <summary>Every command prints something that is not its output format.</summary>
    public static ReplayShell Garbage()
    {
        const string Junk = "\u0001\u0002\u00ff\u00fe{\"nixosVer";
        var shell = Healthy()
            .WithCommand(VersionJson, Junk)
            .WithCommand(VersionPlain, "Segmentation fault\n")
            .WithCommand(ProfileLink, "../../../../etc/passwd\n")
            .WithCommand(ProfileList, "ls: reading directory '/nix/var/nix/profiles': Input/output error\n")
            .WithCommand(CurrentSystem, "system\n")
            .WithCommand(BootedSystem, Junk)
            .WithCommand(StoreSpace, "Dateisystem 1K-Blöcke Benutzt Verfügbar Verw% Eingehängt auf\n")
            .WithCommand(StoreInodes, Junk);
        return shell;
    }
}
