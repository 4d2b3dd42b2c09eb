using System.Reflection;

namespace Macha.Core.Knowledge;

/// <summary>
/// The notes on NixOS and systemd administration that ship with Macha, embedded from
/// <c>Knowledge/SeedNotes/*.md</c>. Each file starts with "# Title" and a "tags:" line.
/// </summary>
internal static class SeedNotes
{
    private const string ResourcePrefix = "Macha.Core.Knowledge.SeedNotes.";

    /// <summary>Reads every seed note; ids are "seed-" and the file name, so seeding again replaces instead of adding.</summary>
    public static IReadOnlyList<KnowledgeDocument> Load()
    {
        var assembly = typeof(SeedNotes).Assembly;
        var notes = new List<KnowledgeDocument>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".md", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var name = resource[ResourcePrefix.Length..^".md".Length];
            notes.Add(Parse(name, Read(assembly, resource)));
        }

        return notes;
    }

    internal static KnowledgeDocument Parse(string name, string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').ToList();
        var title = lines.Count > 0 && lines[0].StartsWith("# ", StringComparison.Ordinal) ? lines[0][2..].Trim() : name;
        var body = lines.Skip(1).ToList();
        var tags = string.Empty;
        if (body.Count > 0 && body[0].StartsWith("tags:", StringComparison.Ordinal))
        {
            tags = string.Join(',', body[0]["tags:".Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            body.RemoveAt(0);
        }

        var text = string.Join('\n', body).Trim();
        return new KnowledgeDocument($"seed-{name}", title, text, KnowledgeSources.Seed, new Dictionary<string, object> { [KnowledgeStore.TagsKey] = tags });
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource) ?? throw new InvalidOperationException($"The embedded seed note {resource} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
