namespace Macha.Tests.TestData;

/// <summary>Reads the recorded real-world inputs copied into TestData/cases.</summary>
internal static class Cases
{
    /// <summary>
    /// Returns the text of one "===== input X: ... =====" block of a case file, without its header
    /// line and without the blank line that separates it from the next block.
    /// </summary>
    public static string Input(string caseFile, string inputName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "cases", caseFile);
        var lines = File.ReadAllLines(path);
        var marker = $"===== input {inputName}:";
        var start = Array.FindIndex(lines, line => line.StartsWith(marker, StringComparison.Ordinal));
        if (start < 0)
        {
            throw new ArgumentException($"Input '{inputName}' not found in {caseFile}.", nameof(inputName));
        }

        var body = new List<string>();
        for (var i = start + 1; i < lines.Length && !lines[i].StartsWith("===== ", StringComparison.Ordinal); i++)
        {
            body.Add(lines[i]);
        }

        while (body.Count > 0 && body[^1].Length == 0)
        {
            body.RemoveAt(body.Count - 1);
        }

        return body.Count == 0 ? string.Empty : string.Join('\n', body) + "\n";
    }
}
