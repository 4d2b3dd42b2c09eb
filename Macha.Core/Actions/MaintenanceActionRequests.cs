using System.Globalization;
using Macha.Core.Analysis.Decisions;
using Macha.Core.Hosts;
using static Macha.Core.Actions.ActionArguments;

namespace Macha.Core.Actions;

/// <summary>Deletes the oldest journal files until the journal fits: <c>sudo -n journalctl --vacuum-size=SIZE</c>.</summary>
public sealed record VacuumJournal : ExecutableActionRequest
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    public VacuumJournal(ActionContext context, JournalSize maxSize)
        : base(context)
    {
        ArgumentNullException.ThrowIfNull(maxSize);
        MaxSize = maxSize;
    }

    public JournalSize MaxSize { get; }

    public override string Kind => ActionKinds.VacuumJournal;

    public override IReadOnlyList<KeyValuePair<string, string>> Arguments => [new("journal_max_size", MaxSize.Text)];

    // One argument with '=', so the size can never be read as a separate option.
    public override IReadOnlyList<CommandRequest> BuildCommands() =>
        [Sudo(Timeout, "journalctl", "--vacuum-size=" + MaxSize.Text)];
}

/// <summary>
/// Deletes Nix profile generations older than a number of days, then unreachable store paths:
/// <c>sudo -n nix-collect-garbage --delete-older-than 14d</c>. The current generation is always kept.
/// </summary>
public sealed record CollectNixGarbage : ExecutableActionRequest
{
    // NOTE: an estimate. Collecting a large store on a slow disk can take tens of minutes.
    public static readonly TimeSpan Timeout = TimeSpan.FromHours(1);

    /// <exception cref="ArgumentException">A value is missing or out of range.</exception>
    public CollectNixGarbage(ActionContext context, int olderThanDays)
        : base(context)
    {
        ThrowIfInvalid(CheckGarbageAge(olderThanDays), nameof(olderThanDays));
        OlderThanDays = olderThanDays;
    }

    /// <summary>Age in days, from 1 to 3650, of the oldest generation to keep.</summary>
    public int OlderThanDays { get; }

    public override string Kind => ActionKinds.CollectNixGarbage;

    public override IReadOnlyList<KeyValuePair<string, string>> Arguments =>
        [new("older_than_days", OlderThanDays.ToString(CultureInfo.InvariantCulture))];

    public override IReadOnlyList<CommandRequest> BuildCommands() =>
        [Sudo(Timeout, "nix-collect-garbage", "--delete-older-than", OlderThanDays.ToString(CultureInfo.InvariantCulture) + "d")];
}
