using Macha.Core.Analysis.Decisions;
using static Macha.Core.Actions.ActionArguments;

namespace Macha.Core.Actions;

/// <summary>
/// A configuration change for a person to make. It is not an <see cref="ExecutableActionRequest"/>, so
/// no code path can build a command from it; the description is only shown and recorded.
/// </summary>
public sealed record DescribeConfigChange : ActionRequest
{
    /// <exception cref="ArgumentException">A value is missing or too long.</exception>
    public DescribeConfigChange(ActionContext context, string description)
        : base(context)
    {
        ThrowIfInvalid(CheckText("change description", description), nameof(description));
        Description = description;
    }

    public string Description { get; }

    public override string Kind => ActionKinds.DescribeConfigChange;

    public override IReadOnlyList<KeyValuePair<string, string>> Arguments => [new("change_description", Description)];
}
