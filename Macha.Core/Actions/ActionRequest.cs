using System.Globalization;
using System.Text;
using Macha.Core.Hosts;
using static Macha.Core.Actions.ActionArguments;

namespace Macha.Core.Actions;

/// <summary>
/// One typed action that Macha may take on a host, with every argument checked at construction.
/// Properties have no setters, so a <c>with</c> expression cannot replace a checked value with an
/// unchecked one. Risk is not part of the request: <see cref="ActionRiskPolicy"/> assigns it.
/// </summary>
public abstract record ActionRequest
{
    /// <exception cref="ArgumentException">A value in <paramref name="context"/> is missing or invalid.</exception>
    private protected ActionRequest(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ThrowIfInvalid(CheckHostName(context.HostName), nameof(context));
        ThrowIfInvalid(CheckIncidentId(context.IncidentId), nameof(context));
        ThrowIfInvalid(CheckText("reason", context.Reason), nameof(context));
        ThrowIfInvalid(CheckText("expected effect", context.ExpectedEffect), nameof(context));
        ThrowIfInvalid(CheckText("undo", context.Undo), nameof(context));
        if (!Enum.IsDefined(context.Origin))
        {
            throw new ArgumentException($"origin {context.Origin} is not a known origin.", nameof(context));
        }

        HostName = context.HostName;
        IncidentId = context.IncidentId;
        Origin = context.Origin;
        Reason = context.Reason;
        ExpectedEffect = context.ExpectedEffect;
        Undo = context.Undo;
    }

    public string HostName { get; }

    public Guid IncidentId { get; }

    public ActionOrigin Origin { get; }

    public string Reason { get; }

    public string ExpectedEffect { get; }

    public string Undo { get; }

    /// <summary>The kind as the decision schema names it, one of <see cref="Analysis.Decisions.ActionKinds.All"/>.</summary>
    public abstract string Kind { get; }

    /// <summary>
    /// The unit this action changes, which protected-target checks look at. It is null when the action
    /// changes no single unit (a NixOS switch, a journal vacuum) or changes nothing (a read-only diagnostic).
    /// </summary>
    public virtual string? ChangedUnit => null;

    /// <summary>The kind's arguments as name and value, named as in the decision schema, for display and the audit log.</summary>
    public abstract IReadOnlyList<KeyValuePair<string, string>> Arguments { get; }

    /// <summary>
    /// A key that is equal for two requests with the same host, kind and arguments, whatever their
    /// incident, origin or texts. The approval queue uses it to avoid queueing a request again while an
    /// identical one is pending. Host names compare without case, as DNS names do; unit names keep
    /// theirs, because systemd's do.
    /// </summary>
    public string DedupKey
    {
        get
        {
            // Each part is prefixed with its length, so no choice of values can make two different
            // argument lists produce the same key.
            var key = new StringBuilder();
            AppendPart(key, HostName.ToLowerInvariant());
            AppendPart(key, Kind);
            foreach (var (name, value) in Arguments)
            {
                AppendPart(key, name);
                AppendPart(key, value);
            }

            return key.ToString();
        }
    }

    private static void AppendPart(StringBuilder key, string part) =>
        key.Append(part.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(part).Append(';');
}

/// <summary>An action request that Macha can run, as a fixed list of commands built from checked values.</summary>
public abstract record ExecutableActionRequest : ActionRequest
{
    private protected ExecutableActionRequest(ActionContext context)
        : base(context)
    {
    }

    /// <summary>
    /// Builds the exact argv of each command, in the order they run. Values are passed as single
    /// arguments, never joined into shell text; privileged commands go through <c>sudo -n</c>, so a
    /// missing sudo rule fails at once instead of waiting for a password.
    /// </summary>
    public abstract IReadOnlyList<CommandRequest> BuildCommands();

    private protected static CommandRequest Sudo(TimeSpan timeout, params string[] arguments) =>
        new("sudo", ["-n", .. arguments], timeout, CommandRequest.DefaultMaxOutputBytes);
}
