using System.CommandLine;

namespace Macha.Web.Cli.Verbs;

/// <summary><c>notifications</c>: show the Gotify notifier's state and send a test message.</summary>
internal static class NotificationsVerb
{
    public static Command Create(string name, CliContext context)
    {
        var command = new Command(name, "Show whether Gotify notifications work, or send a test notification.");
        command.Subcommands.Add(CreateStatus(context));
        command.Subcommands.Add(CreateTest(context));
        return command;
    }

    private static Command CreateStatus(CliContext context)
    {
        var command = new Command("status", "Show whether notifications are configured and working, the last send, the queue length and the drop counts.");
        command.SetAction(context.Run(async (parsed, client, output, cancellationToken) =>
        {
            var status = await client.GetAsync("api/notifications/status", cancellationToken);
            if (output.Json)
            {
                output.WriteJson(status);
                return ExitCodes.Success;
            }

            output.WriteFields(
            [
                ("State", status.Text("state")),
                ("Reason", ApproveVerb.NullIfEmpty(status.Text("reason"))),
                ("Last sent", ApproveVerb.NullIfEmpty(status.Time("lastSentAt"))),
                ("Last failure", ApproveVerb.NullIfEmpty(status.Time("lastFailureAt"))),
                ("Queued", status.Text("queueLength")),
                ("Sent", status.Text("sent")),
                ("Failed", status.Text("failed")),
                ("Dropped", status.Text("drops")),
            ]);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command CreateTest(CliContext context)
    {
        var command = new Command("test", "Send a test notification to Gotify now. Exit code 1 when notifications are not configured or Gotify rejected it.");
        command.SetAction(context.Run(async (parsed, client, output, cancellationToken) =>
        {
            var result = await client.PostAsync("api/notifications/test", body: null, cancellationToken);
            if (output.Json)
            {
                output.WriteJson(result);
            }
            else
            {
                output.WriteLine($"Sent. {result.Text("detail")}".TrimEnd());
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
