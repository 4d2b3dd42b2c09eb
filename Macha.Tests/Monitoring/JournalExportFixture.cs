using System.Collections.Concurrent;
using Macha.Core.Hosts;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Monitoring;

/// <summary>
/// Turns the journal export files in TestData/journal into real journal files with
/// systemd-journal-remote, and reads them back with journalctl, so parsers are tested on what
/// journalctl really prints.
/// </summary>
/// <remarks>Needs the Debian package systemd-journal-remote (and journalctl from systemd).</remarks>
public sealed class JournalExportFixture : IAsyncLifetime
{
    private const string JournalRemotePath = "/lib/systemd/systemd-journal-remote";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "macha-journal-" + Guid.NewGuid().ToString("N"));
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _journalFiles = new(StringComparer.Ordinal);
    private readonly LocalProcessShell _shell = new("local", NullLogger<LocalProcessShell>.Instance, TimeProvider.System);

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Returns the output of <c>journalctl --file X -o json --no-pager</c> plus
    /// <paramref name="extraArguments"/> for the journal made from TestData/journal/NAME.export.
    /// </summary>
    public async Task<string> ReadJsonAsync(string exportName, params string[] extraArguments)
    {
        var journalFile = await _journalFiles.GetOrAdd(exportName, name => new Lazy<Task<string>>(() => ConvertAsync(name))).Value;

        string[] arguments = ["--file", journalFile, "-o", "json", "--no-pager", .. extraArguments];
        var result = await _shell.RunAsync(CommandRequest.Create("journalctl", arguments));
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(result.Describe("journalctl --file " + journalFile));
        }

        return result.StandardOutput;
    }

    private async Task<string> ConvertAsync(string exportName)
    {
        if (!File.Exists(JournalRemotePath))
        {
            throw new InvalidOperationException(
                $"{JournalRemotePath} not found; install the Debian package systemd-journal-remote to run the journal tests");
        }

        var exportFile = Path.Combine(AppContext.BaseDirectory, "TestData", "journal", exportName + ".export");
        var journalFile = Path.Combine(_directory, exportName + ".journal");
        var result = await _shell.RunAsync(CommandRequest.Create(JournalRemotePath, "-o", journalFile, exportFile));
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(result.Describe($"{JournalRemotePath} -o {journalFile} {exportFile}"));
        }

        return journalFile;
    }
}
