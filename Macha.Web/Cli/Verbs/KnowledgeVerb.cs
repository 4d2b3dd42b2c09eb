using System.CommandLine;

namespace Macha.Web.Cli.Verbs;

/// <summary><c>knowledge</c>: search the knowledge base, add notes to it and delete them.</summary>
internal static class KnowledgeVerb
{
    public static Command Create(string name, CliContext context)
    {
        var command = new Command(name, "Search Macha's knowledge base, add a note to it or delete one.");
        command.Subcommands.Add(CreateSearch(context));
        command.Subcommands.Add(CreateAdd(context));
        command.Subcommands.Add(CreateDelete(context));
        return command;
    }

    private static Command CreateSearch(CliContext context)
    {
        var query = new Argument<string>("query") { Description = "What to look for, in plain words." };
        var limit = new Option<int>("--limit", "-n") { Description = "Most results to print.", DefaultValueFactory = _ => 10 };
        var collection = new Option<string>("--collection") { Description = "Search only this collection." };
        var command = new Command("search", "Search the knowledge base by meaning; prints the closest notes first.");
        command.Arguments.Add(query);
        command.Options.Add(limit);
        command.Options.Add(collection);
        command.SetAction(context.Run(async (parsed, client, output, cancellationToken) =>
        {
            var path = $"api/knowledge/search?q={Uri.EscapeDataString(parsed.GetValue(query)!)}&limit={parsed.GetValue(limit)}";
            if (parsed.GetValue(collection) is { Length: > 0 } name)
            {
                path += $"&collection={Uri.EscapeDataString(name)}";
            }

            var hits = await client.GetAsync(path, cancellationToken);
            if (output.Json)
            {
                output.WriteJson(hits);
                return ExitCodes.Success;
            }

            var items = hits.Items().ToList();
            if (items.Count == 0)
            {
                output.WriteLine("Nothing found.");
                return ExitCodes.Success;
            }

            output.WriteTable(
                ["SIMILARITY", "COLLECTION", "ID", "TITLE", "TEXT"],
                items.Select(h => (IReadOnlyList<string>)[h.Text("similarity"), h.Text("collection"), h.Text("id"), JsonText.OneLine(h.Text("title"), 40), JsonText.OneLine(h.Text("text"), 80)]));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command CreateAdd(CliContext context)
    {
        var title = new Option<string>("--title") { Description = "The note's title.", Required = true };
        var text = new Option<string>("--text") { Description = "The note's text. Use --file for longer notes." };
        var file = new Option<FileInfo>("--file") { Description = "Read the note's text from this file; '-' reads standard input." };
        var tags = new Option<string[]>("--tag") { Description = "A tag; repeat the option for several.", AllowMultipleArgumentsPerToken = false };
        var command = new Command("add", "Add a note to the knowledge base, so later analyses can find it.");
        command.Options.Add(title);
        command.Options.Add(text);
        command.Options.Add(file);
        command.Options.Add(tags);
        command.Validators.Add(result =>
        {
            var hasText = result.GetValue(text) is { Length: > 0 };
            var hasFile = result.GetValue(file) is not null;
            if (hasText == hasFile)
            {
                result.AddError("Give the note's text with either --text or --file, not both.");
            }
        });
        command.SetAction(context.Run(async (parsed, client, output, cancellationToken) =>
        {
            var body = parsed.GetValue(text) ?? await ReadTextAsync(parsed.GetValue(file)!, cancellationToken);
            var note = await client.PostAsync("api/knowledge", new { title = parsed.GetValue(title), text = body, tags = parsed.GetValue(tags) ?? [] }, cancellationToken);
            if (output.Json)
            {
                output.WriteJson(note);
            }
            else
            {
                output.WriteLine($"Added note {note.Text("id")}.");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command CreateDelete(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The note's id, as 'search' or 'add' prints it." };
        var command = new Command("delete", "Delete a note of the knowledge collection. Exit code 3 when there is no such note.");
        command.Arguments.Add(id);
        command.SetAction(context.Run(async (parsed, client, output, cancellationToken) =>
        {
            var noteId = parsed.GetValue(id)!;
            await client.DeleteAsync($"api/knowledge/{Uri.EscapeDataString(noteId)}", cancellationToken);
            if (output.Json)
            {
                output.WriteJson(new { id = noteId, deleted = true });
            }
            else
            {
                output.WriteLine($"Deleted note {noteId}.");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static async Task<string> ReadTextAsync(FileInfo file, CancellationToken cancellationToken)
    {
        try
        {
            return file.Name == "-"
                ? await Console.In.ReadToEndAsync(cancellationToken)
                : await File.ReadAllTextAsync(file.FullName, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Failure, $"The note's text cannot be read from {file.FullName}: {ex.Message}");
        }
    }
}
