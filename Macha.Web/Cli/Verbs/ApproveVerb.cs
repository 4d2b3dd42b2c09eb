using System.CommandLine;
using System.Text.Json;

namespace Macha.Web.Cli.Verbs;

/// <summary><c>approve</c>: list, show, approve, reject and discuss the actions waiting for a person.</summary>
internal static class ApproveVerb
{
    private const int MaxCommentLength = 2000;

    public static Command Create(string name, CliContext context)
    {
        var command = new Command(name, "List, show, approve, reject or discuss actions that wait for approval.");
        command.Subcommands.Add(CreateList(context));
        command.Subcommands.Add(CreateShow(context));
        command.Subcommands.Add(CreateDecision(context, "approve", "Approve a pending action and run it now; prints the outcome. Exit code 1 when the action failed."));
        command.Subcommands.Add(CreateDecision(context, "reject", "Reject a pending action, so it never runs."));
        command.Subcommands.Add(CreateDiscuss(context, "approvals", IdArgument()));
        return command;
    }

    private static Argument<Guid> IdArgument() => new("id") { Description = "The approval's id, as 'list' shows it." };

    private static Command CreateList(CliContext context)
    {
        var state = new Option<string>("--state")
        {
            Description = "Pending (the default), Approved, Running, Succeeded, Failed, Interrupted, Rejected, Expired, Withdrawn, or all.",
            DefaultValueFactory = _ => "Pending",
        };
        var limit = new Option<int>("--limit", "-n") { Description = "Most approvals to list, newest first (1 to 500).", DefaultValueFactory = _ => 50 };

        var command = new Command("list", "List approvals, newest first; by default those waiting for a decision.");
        command.Options.Add(state);
        command.Options.Add(limit);
        command.SetAction(context.Run(async (parsed, client, output, cancellationToken) =>
        {
            var wanted = parsed.GetValue(state)!;
            var query = string.Equals(wanted, "all", StringComparison.OrdinalIgnoreCase)
                ? $"api/approvals?pageSize={parsed.GetValue(limit)}"
                : $"api/approvals?state={Uri.EscapeDataString(wanted)}&pageSize={parsed.GetValue(limit)}";
            var page = await client.GetAsync(query, cancellationToken);
            if (output.Json)
            {
                output.WriteJson(page);
                return ExitCodes.Success;
            }

            var items = page.Items().ToList();
            if (items.Count == 0)
            {
                output.WriteLine(string.Equals(wanted, "all", StringComparison.OrdinalIgnoreCase) ? "No approvals." : $"No approvals in state {wanted}.");
                return ExitCodes.Success;
            }

            output.WriteTable(
                ["ID", "STATE", "HOST", "RISK", "ACTION", "CREATED", "COMMAND"],
                items.Select(a => (IReadOnlyList<string>)[a.Text("id"), a.Text("state"), a.Text("hostName"), a.Text("risk"), a.Text("actionKind"), a.Time("createdAt"), JsonText.OneLine(a.Text("argv"), 80)]));
            output.WriteLine();
            var verb = context.CommandName("approve");
            output.WriteLine($"{items.Count} of {page.Text("totalCount")} shown. Look at one with '{verb} show ID', then '{verb} approve ID' or '{verb} reject ID'.");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command CreateShow(CliContext context)
    {
        var id = IdArgument();
        var command = new Command("show", "Show one approval: the exact command, why it was proposed, its outcome and every change of its state.");
        command.Arguments.Add(id);
        command.SetAction(context.Run(async (parsed, client, output, cancellationToken) =>
        {
            var detail = await client.GetAsync($"api/approvals/{parsed.GetValue(id)}", cancellationToken);
            if (output.Json)
            {
                output.WriteJson(detail);
                return ExitCodes.Success;
            }

            var approval = detail.GetProperty("approval");
            WriteApproval(output, approval);
            output.WriteLine();
            output.WriteTable(
                ["AT", "FROM", "TO", "BY", "COMMENT"],
                detail.GetProperty("transitions").Items().Select(t => (IReadOnlyList<string>)[t.Time("at"), t.Text("fromState"), t.Text("toState"), t.Text("actor"), JsonText.OneLine(t.Text("comment"), 80)]));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command CreateDecision(CliContext context, string decision, string description)
    {
        var id = IdArgument();
        var comment = new Option<string>("--comment", "-m") { Description = $"Why you decided so, kept with the approval (at most {MaxCommentLength} characters)." };
        comment.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { Length: > MaxCommentLength } text)
            {
                result.AddError($"--comment may have at most {MaxCommentLength} characters; got {text.Length}.");
            }
        });

        var command = new Command(decision, description);
        command.Arguments.Add(id);
        command.Options.Add(comment);
        command.SetAction(context.Run(async (parsed, client, output, cancellationToken) =>
        {
            var approvalId = parsed.GetValue(id);
            var body = new { comment = parsed.GetValue(comment) };
            var result = await client.PostAsync($"api/approvals/{approvalId}/{decision}", body, cancellationToken);
            if (output.Json)
            {
                output.WriteJson(result);
            }

            if (decision == "reject")
            {
                if (!output.Json)
                {
                    output.WriteLine($"Approval {approvalId} rejected; its action will not run.");
                }

                return ExitCodes.Success;
            }

            var approval = result.GetProperty("approval");
            var state = approval.Text("state");
            if (!output.Json)
            {
                output.WriteLine($"Approval {approvalId} approved and run: {state}.");
                if (approval.Text("outcome") is { Length: > 0 } outcome)
                {
                    output.WriteLine(outcome);
                }
            }

            return state == "Succeeded" ? ExitCodes.Success : ExitCodes.Failure;
        }));
        return command;
    }

    /// <summary>Creates a <c>discuss</c> command for the discussion endpoints under /api/<paramref name="collection"/>/{id}.</summary>
    /// <param name="collection">"approvals" or "incidents".</param>
    internal static Command CreateDiscuss(CliContext context, string collection, Argument<Guid> id)
    {
        var subject = collection == "approvals" ? "an approval" : "an incident";
        var message = new Option<string>("--message", "-m") { Description = "A question or remark to add; the model's reply is printed. Without it, the discussion so far is printed." };
        var command = new Command("discuss", $"Print the discussion about {subject}, or add to it with --message and print the model's reply.");
        command.Arguments.Add(id);
        command.Options.Add(message);
        command.SetAction(context.Run(async (parsed, client, output, cancellationToken) =>
        {
            var path = $"api/{collection}/{parsed.GetValue(id)}/discussion";
            if (parsed.GetValue(message) is { Length: > 0 } text)
            {
                var reply = await client.PostAsync(path, new { message = text }, cancellationToken);
                if (output.Json)
                {
                    output.WriteJson(reply);
                }
                else
                {
                    WriteMessage(output, reply);
                }

                return ExitCodes.Success;
            }

            var discussion = await client.GetAsync(path, cancellationToken);
            if (output.Json)
            {
                output.WriteJson(discussion);
                return ExitCodes.Success;
            }

            var messages = discussion.Items().ToList();
            if (messages.Count == 0)
            {
                output.WriteLine("No discussion yet. Start one with --message \"your question\".");
            }

            foreach (var item in messages)
            {
                WriteMessage(output, item);
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static void WriteApproval(CliOutput output, JsonElement approval) => output.WriteFields(
    [
        ("Approval", approval.Text("id")),
        ("State", approval.Text("state")),
        ("Host", approval.Text("hostName")),
        ("Action", approval.Text("actionKind")),
        ("Risk", approval.Text("risk")),
        ("Command", approval.Text("argv")),
        ("Reason", NullIfEmpty(approval.Text("reason"))),
        ("Diagnosis", NullIfEmpty(approval.Text("diagnosis"))),
        ("Expected effect", NullIfEmpty(approval.Text("expectedEffect"))),
        ("Undo", NullIfEmpty(approval.Text("undo"))),
        ("Dry run", NullIfEmpty(approval.Text("dryRunOutput"))),
        ("Incident", NullIfEmpty(approval.Text("incidentId"))),
        ("Created", approval.Time("createdAt")),
        ("Decided by", NullIfEmpty(approval.Text("decidedBy"))),
        ("Outcome", NullIfEmpty(approval.Text("outcome"))),
    ]);

    private static void WriteMessage(CliOutput output, JsonElement message)
    {
        output.WriteLine($"[{message.Time("at")}] {message.Text("author")} ({message.Text("role")}):");
        output.WriteLine(message.Text("text"));
        output.WriteLine();
    }

    internal static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;
}
