using System.Diagnostics.CodeAnalysis;
using Macha.Core.Analysis.Decisions;
using static Macha.Core.Actions.ActionArguments;

namespace Macha.Core.Actions;

/// <summary>The outcome of turning a proposal into a request: the request, or the reason it was rejected.</summary>
public sealed record ActionRequestResult
{
    private ActionRequestResult(ActionRequest? request, string? rejection)
    {
        Request = request;
        Rejection = rejection;
    }

    public ActionRequest? Request { get; }

    /// <summary>Why the proposal was rejected, in sentences for the audit log, or null when it was accepted.</summary>
    public string? Rejection { get; }

    [MemberNotNullWhen(true, nameof(Request))]
    [MemberNotNullWhen(false, nameof(Rejection))]
    public bool IsAccepted => Request is not null;

    public static ActionRequestResult Accepted(ActionRequest request) => new(request, null);

    public static ActionRequestResult Rejected(string rejection) => new(null, rejection);
}

/// <summary>
/// Turns the model's proposals into typed action requests. It checks every field again instead of
/// trusting that the decision validator ran, and it never throws for a bad proposal.
/// </summary>
public static class ActionRequestFactory
{
    /// <summary>
    /// Builds the request for <paramref name="proposal"/>, or returns a rejection that lists every problem
    /// found: an unknown kind, an argument that does not belong to the kind, or a missing or invalid value.
    /// </summary>
    /// <param name="hostName">The host from the inventory whose incident the proposal is about; never taken from the proposal.</param>
    /// <param name="origin">Who proposed it; the model unless a playbook builds its proposals the same way.</param>
    public static ActionRequestResult FromProposal(ProposedAction? proposal, string hostName, Guid incidentId, ActionOrigin origin = ActionOrigin.Analyst)
    {
        if (proposal is null)
        {
            return ActionRequestResult.Rejected("Proposal rejected: it is null.");
        }

        var kind = proposal.Kind;
        var errors = new List<string>();
        AddIfInvalid(errors, CheckHostName(hostName));
        AddIfInvalid(errors, CheckIncidentId(incidentId));
        AddIfInvalid(errors, CheckText("reason", proposal.Reason));
        AddIfInvalid(errors, CheckText("expected effect", proposal.ExpectedEffect));
        AddIfInvalid(errors, CheckText("undo", proposal.Undo));

        var allowed = AllowedArguments(kind);
        if (allowed is null)
        {
            errors.Add($"kind {Quote(kind)} is not a known action; known kinds are {string.Join(", ", ActionKinds.All)}.");
            return Reject(kind, errors);
        }

        foreach (var field in PresentArguments(proposal).Where(field => !allowed.Contains(field, StringComparer.Ordinal)))
        {
            errors.Add($"{field} does not belong to {kind}.");
        }

        var size = default(JournalSize);
        switch (kind)
        {
            case ActionKinds.RestartUnit:
                AddIfInvalid(errors, CheckUnit(proposal.Unit, restartable: true));
                break;
            case ActionKinds.ResetFailedUnit:
                AddIfInvalid(errors, CheckUnit(proposal.Unit, restartable: false));
                break;
            case ActionKinds.VacuumJournal:
                size = JournalSize.TryParse(proposal.JournalMaxSize, out var sizeError);
                AddIfInvalid(errors, sizeError);
                break;
            case ActionKinds.CollectNixGarbage:
                AddIfInvalid(errors, CheckGarbageAge(proposal.OlderThanDays));
                break;
            case ActionKinds.RebuildNixos:
                AddIfInvalid(errors, CheckFlakeRef(proposal.FlakeRef));
                break;
            case ActionKinds.RunDiagnostic:
                AddIfInvalid(errors, RunDiagnostic.Check(proposal.Diagnostic, proposal.Unit));
                break;
            case ActionKinds.DescribeConfigChange:
                AddIfInvalid(errors, CheckText("change description", proposal.ChangeDescription));
                break;
        }

        if (errors.Count > 0)
        {
            return Reject(kind, errors);
        }

        var context = new ActionContext(hostName, incidentId, origin, proposal.Reason, proposal.ExpectedEffect, proposal.Undo);
        try
        {
            return ActionRequestResult.Accepted(Create(kind, proposal, context, size));
        }
        catch (ArgumentException ex)
        {
            // The checks above mirror the constructors' checks. This catches a check added to a
            // constructor and not here, so such a proposal is still rejected rather than thrown.
            return Reject(kind, [ex.Message]);
        }
    }

    private static ActionRequest Create(string kind, ProposedAction proposal, ActionContext context, JournalSize? size) => kind switch
    {
        ActionKinds.RestartUnit => new RestartUnit(context, proposal.Unit!),
        ActionKinds.ResetFailedUnit => new ResetFailedUnit(context, proposal.Unit!),
        ActionKinds.VacuumJournal => new VacuumJournal(context, size!),
        ActionKinds.CollectNixGarbage => new CollectNixGarbage(context, proposal.OlderThanDays!.Value),
        ActionKinds.RebuildNixos => new RebuildNixos(context, proposal.FlakeRef!),
        ActionKinds.RollbackNixos => new RollbackNixos(context),
        ActionKinds.RunDiagnostic => new RunDiagnostic(context, proposal.Diagnostic!, proposal.Unit),
        ActionKinds.DescribeConfigChange => new DescribeConfigChange(context, proposal.ChangeDescription!),
        _ => throw new ArgumentException($"Kind {Quote(kind)} has no request type.", nameof(kind)),
    };

    private static string[]? AllowedArguments(string? kind) => kind switch
    {
        ActionKinds.RestartUnit or ActionKinds.ResetFailedUnit => ["unit"],
        ActionKinds.VacuumJournal => ["journal_max_size"],
        ActionKinds.CollectNixGarbage => ["older_than_days"],
        ActionKinds.RebuildNixos => ["flake_ref"],
        ActionKinds.RollbackNixos => [],
        ActionKinds.RunDiagnostic => ["diagnostic", "unit"],
        ActionKinds.DescribeConfigChange => ["change_description"],
        _ => null,
    };

    private static IEnumerable<string> PresentArguments(ProposedAction proposal)
    {
        if (proposal.Unit is not null)
        {
            yield return "unit";
        }

        if (proposal.JournalMaxSize is not null)
        {
            yield return "journal_max_size";
        }

        if (proposal.OlderThanDays is not null)
        {
            yield return "older_than_days";
        }

        if (proposal.FlakeRef is not null)
        {
            yield return "flake_ref";
        }

        if (proposal.Diagnostic is not null)
        {
            yield return "diagnostic";
        }

        if (proposal.ChangeDescription is not null)
        {
            yield return "change_description";
        }
    }

    private static void AddIfInvalid(List<string> errors, string? error)
    {
        if (error is not null)
        {
            errors.Add(error);
        }
    }

    private static ActionRequestResult Reject(string? kind, IEnumerable<string> errors) =>
        ActionRequestResult.Rejected($"Proposal of kind {Quote(kind)} rejected: {string.Join(' ', errors)}");
}
