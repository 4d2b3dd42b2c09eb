using Macha.Core.Analysis.Decisions;
using Macha.Core.Hosts;
using static Macha.Core.Actions.ActionArguments;

namespace Macha.Core.Actions;

/// <summary>The steps of a NixOS rebuild, in the order the rebuild pipeline runs them.</summary>
public enum NixosRebuildStage
{
    /// <summary>Evaluates and shows what would be built, as the invoking user; changes nothing.</summary>
    DryBuild,

    /// <summary>Activates the new configuration without making it the boot default.</summary>
    Test,

    /// <summary>Activates the new configuration and makes it the boot default.</summary>
    Switch,
}

/// <summary>
/// Switches the host to the configuration in a local flake: dry-build, then test, then switch, each
/// through <c>nixos-rebuild --flake FLAKE_REF</c>.
/// </summary>
public sealed record RebuildNixos : ExecutableActionRequest
{
    // NOTE: an estimate. A rebuild that compiles packages instead of fetching them can take far longer.
    public static readonly TimeSpan Timeout = TimeSpan.FromHours(1);

    /// <exception cref="ArgumentException">A value is missing, or the flake reference is not an absolute local path with a configuration name.</exception>
    public RebuildNixos(ActionContext context, string flakeRef)
        : base(context)
    {
        ThrowIfInvalid(CheckFlakeRef(flakeRef), nameof(flakeRef));
        FlakeRef = flakeRef;
    }

    /// <summary>An absolute local path and a configuration name, such as <c>/etc/nixos#web-1</c>.</summary>
    public string FlakeRef { get; }

    public override string Kind => ActionKinds.RebuildNixos;

    public override IReadOnlyList<KeyValuePair<string, string>> Arguments => [new("flake_ref", FlakeRef)];

    /// <summary>
    /// Builds the three stages in order. The rebuild pipeline runs its health checks between
    /// <see cref="NixosRebuildStage.Test"/> and <see cref="NixosRebuildStage.Switch"/> and rolls back when
    /// one fails; running these commands back to back would skip those checks.
    /// </summary>
    public override IReadOnlyList<CommandRequest> BuildCommands() =>
        [BuildCommand(NixosRebuildStage.DryBuild), BuildCommand(NixosRebuildStage.Test), BuildCommand(NixosRebuildStage.Switch)];

    public CommandRequest BuildCommand(NixosRebuildStage stage) => stage switch
    {
        // dry-build only reads, so it runs without sudo and the sudo rules need not allow it.
        NixosRebuildStage.DryBuild => new("nixos-rebuild", ["dry-build", "--flake", FlakeRef], Timeout, CommandRequest.DefaultMaxOutputBytes),
        NixosRebuildStage.Test => Sudo(Timeout, "nixos-rebuild", "test", "--flake", FlakeRef),
        NixosRebuildStage.Switch => Sudo(Timeout, "nixos-rebuild", "switch", "--flake", FlakeRef),
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "Unknown rebuild stage."),
    };
}

/// <summary>Switches the host back to its previous system generation: <c>sudo -n nixos-rebuild switch --rollback</c>.</summary>
public sealed record RollbackNixos : ExecutableActionRequest
{
    // Activation restarts every changed unit, which can take several minutes on a busy host.
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    /// <exception cref="ArgumentException">A value in <paramref name="context"/> is missing or invalid.</exception>
    public RollbackNixos(ActionContext context)
        : base(context)
    {
    }

    public override string Kind => ActionKinds.RollbackNixos;

    public override IReadOnlyList<KeyValuePair<string, string>> Arguments => [];

    public override IReadOnlyList<CommandRequest> BuildCommands() =>
        [Sudo(Timeout, "nixos-rebuild", "switch", "--rollback")];
}
