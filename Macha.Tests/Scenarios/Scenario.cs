using System.Globalization;

namespace Macha.Tests.Scenarios;

/// <summary>
/// A recorded host state and the exact findings it must produce; TestData/scenarios/README.md
/// describes the file format.
/// </summary>
internal sealed record Scenario(
    string Name,
    string Description,
    IReadOnlyList<ExpectedFinding> Expected,
    IReadOnlyDictionary<string, string?> Settings,
    IReadOnlyDictionary<string, ScenarioSection> Sections)
{
    public const string BaseFileName = "_base-healthy-host.txt";

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "TestData", "scenarios");

    public static IEnumerable<string> Names() =>
        System.IO.Directory.GetFiles(Directory, "*.txt")
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => name != BaseFileName)
            .Order(StringComparer.Ordinal);

    /// <summary>Loads a scenario merged over the healthy base host.</summary>
    public static Scenario Load(string fileName)
    {
        var baseScenario = Parse(BaseFileName, File.ReadAllText(Path.Combine(Directory, BaseFileName)));
        var scenario = Parse(fileName, File.ReadAllText(Path.Combine(Directory, fileName)));

        var sections = new Dictionary<string, ScenarioSection>(baseScenario.Sections, StringComparer.Ordinal);
        foreach (var (key, section) in scenario.Sections)
        {
            sections[key] = section;
        }

        return scenario with { Sections = sections };
    }

    private static Scenario Parse(string name, string text)
    {
        var description = "";
        var expected = new List<ExpectedFinding>();
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        var sections = new Dictionary<string, ScenarioSection>(StringComparer.Ordinal);
        ScenarioSection? current = null;
        var body = new List<string>();

        void Close()
        {
            if (current is not null)
            {
                sections[SlotOf(current)] = current with { Content = body.Count == 0 ? "" : string.Join('\n', body) + "\n" };
            }

            body.Clear();
        }

        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("===== ", StringComparison.Ordinal) && line.EndsWith(" =====", StringComparison.Ordinal))
            {
                Close();
                current = ParseHeader(line["===== ".Length..^" =====".Length], name);
                continue;
            }

            if (current is not null)
            {
                body.Add(line);
            }
            else if (line.StartsWith("description:", StringComparison.Ordinal))
            {
                description = line["description:".Length..].Trim();
            }
            else if (line.StartsWith("expect:", StringComparison.Ordinal))
            {
                var value = line["expect:".Length..].Trim();
                if (value != "none")
                {
                    expected.Add(ExpectedFinding.Parse(value, name));
                }
            }
            else if (line.StartsWith("settings:", StringComparison.Ordinal))
            {
                var pair = line["settings:".Length..].Trim().Split('=', 2);
                settings[pair[0].Trim()] = pair[1].Trim();
            }
        }

        Close();

        // Keep trailing blank lines out of file contents: a section ends where the next begins.
        foreach (var (key, section) in sections.ToList())
        {
            sections[key] = section with { Content = section.Content.TrimEnd('\n') + (section.Content.Length > 0 ? "\n" : "") };
        }

        return new Scenario(name, description, expected, settings, sections);
    }

    /// <summary>
    /// Returns the dictionary key a section occupies. A "hang" replaces a "command" with the same
    /// prefix, and a "missing-file" replaces a "file", so a scenario can take away what the base has.
    /// </summary>
    private static string SlotOf(ScenarioSection section) => section.Kind switch
    {
        "hang" => "command " + section.Key,
        "missing-file" => "file " + section.Key,
        _ => section.Kind + " " + section.Key,
    };

    private static ScenarioSection ParseHeader(string header, string scenarioName)
    {
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0)
        {
            throw new FormatException($"{scenarioName}: section header '{header}' has no key.");
        }

        var kind = header[..space];
        var parts = header[(space + 1)..].Split(" | ");
        var exitCode = 0;
        var toStandardError = false;
        foreach (var option in parts.Skip(1))
        {
            if (option.StartsWith("exit ", StringComparison.Ordinal))
            {
                exitCode = int.Parse(option["exit ".Length..], CultureInfo.InvariantCulture);
            }
            else if (option == "stderr")
            {
                toStandardError = true;
            }
            else
            {
                throw new FormatException($"{scenarioName}: unknown section option '{option}' in '{header}'.");
            }
        }

        return kind is "file" or "missing-file" or "command" or "hang" or "previous-file" or "previous-command"
            ? new ScenarioSection(kind, parts[0], "", exitCode, toStandardError)
            : throw new FormatException($"{scenarioName}: unknown section kind '{kind}'.");
    }
}

/// <param name="ToStandardError">True when the command prints the content on standard error.</param>
internal sealed record ScenarioSection(string Kind, string Key, string Content, int ExitCode, bool ToStandardError);

/// <summary>A finding a scenario must produce, compared by kind, subject and severity.</summary>
internal sealed record ExpectedFinding(string Kind, string Subject, string Severity)
{
    public static ExpectedFinding Parse(string text, string scenarioName)
    {
        var parts = text.Split('|', StringSplitOptions.TrimEntries);
        return parts.Length == 3
            ? new ExpectedFinding(parts[0], parts[1], parts[2])
            : throw new FormatException($"{scenarioName}: expectation '{text}' is not 'Kind | subject | Severity'.");
    }

    public override string ToString() => $"{Kind} | {Subject} | {Severity}";
}
