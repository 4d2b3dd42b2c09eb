using System.Text.Json.Nodes;
using Macha.Core.Hosts;

namespace Macha.Core.Actions.Execution;

/// <summary>
/// Builds the data of the executor's lines in <c>actions.jsonl</c>: the request's checked arguments,
/// argv, exit codes, times, the reason and the check's detail. No environment and no command output go
/// in, except the first line of an error or the unit state that a reason or detail quotes.
/// </summary>
internal static class ActionAuditData
{
    public static JsonObject ForStart(ExecutableActionRequest request, IReadOnlyList<CommandRequest> commands)
    {
        var data = Common(request);
        data["argv"] = new JsonArray([.. commands.Select(command => (JsonNode)Argv([command.Program, .. command.Arguments]))]);
        return data;
    }

    public static JsonObject ForOutcome(ExecutableActionRequest request, ExecutionOutcome outcome)
    {
        var data = Common(request);
        data["outcome"] = outcome.Status switch
        {
            ExecutionStatus.Succeeded => "succeeded",
            ExecutionStatus.Failed => "failed",
            ExecutionStatus.VerificationFailed => "verification_failed",
            _ => "refused",
        };
        data["reason"] = outcome.Reason;
        data["argv"] = new JsonArray([.. outcome.Commands.Select(command => (JsonNode)Argv(command.Argv))]);
        data["exit_codes"] = new JsonArray([.. outcome.Commands.Select(command => command.ExitCode is { } code ? JsonValue.Create(code) : null)]);
        data["elapsed_ms"] = (long)outcome.Elapsed.TotalMilliseconds;
        data["verification"] = outcome.Verification;
        if (outcome.FreedSpace is not null)
        {
            data["freed_space"] = outcome.FreedSpace;
        }

        data["undo_attempted"] = outcome.UndoAttempted;
        data["undo_result"] = outcome.UndoResult;
        data["escalates"] = outcome.Escalates;
        return data;
    }

    /// <summary>Builds the data of an action.undone line: what the automatic undo ran and how it ended.</summary>
    public static JsonObject ForUndo(ExecutableActionRequest request, ExecutionOutcome outcome)
    {
        var data = Common(request);
        data["undo_result"] = outcome.UndoResult;
        data["cause"] = outcome.Reason;
        return data;
    }

    public static JsonObject ForInterruption(ExecutableActionRequest request, TimeSpan elapsed)
    {
        var data = Common(request);
        data["reason"] = "cancelled while running; the host may be left partly changed.";
        data["elapsed_ms"] = (long)elapsed.TotalMilliseconds;
        return data;
    }

    private static JsonObject Common(ExecutableActionRequest request)
    {
        var arguments = new JsonObject();
        foreach (var (name, value) in request.Arguments)
        {
            arguments[name] = value;
        }

        return new JsonObject
        {
            ["kind"] = request.Kind,
            ["origin"] = request.Origin.ToString(),
            ["arguments"] = arguments,
        };
    }

    private static JsonArray Argv(IEnumerable<string> argv) => new([.. argv.Select(argument => (JsonNode)JsonValue.Create(argument))]);
}
