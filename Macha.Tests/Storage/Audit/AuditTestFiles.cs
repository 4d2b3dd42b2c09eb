using System.Text.Json.Nodes;
using Macha.Core.Configuration;
using Macha.Core.Storage.Audit;
using Macha.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Storage.Audit;

/// <summary>A data directory with audit logs on it, each new log standing for a restart of Macha.</summary>
internal sealed class AuditTestFiles : IDisposable
{
    private readonly TestDataDirectory _data = new();
    private readonly List<AuditLog> _logs = [];

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 4, 11, 0, 0, TimeSpan.Zero));

    public SecretRedactor Redactor { get; } = new();

    public string DataDirectory => _data.Path;

    public string DecisionsPath => Path.Combine(_data.Path, AuditLog.DecisionsFileName);

    public AuditLog OpenLog()
    {
        var log = new AuditLog(
            Options.Create(new MachaOptions { DataDirectory = _data.Path }),
            Redactor,
            Time,
            NullLogger<AuditLog>.Instance);
        _logs.Add(log);
        return log;
    }

    /// <summary>Writes <paramref name="count"/> decision lines with one log and closes it.</summary>
    public async Task WriteDecisionsAsync(int count)
    {
        using var log = OpenLog();
        for (var i = 0; i < count; i++)
        {
            await log.AppendAsync(AuditFile.Decisions, Decision(i));
        }
    }

    public static AuditEvent Decision(int number) => new(
        AuditEventTypes.Decision,
        "macha",
        "web-1",
        Guid.Parse("5d1c3c55-8a8f-4f53-9f8e-2f7b6f0c1a01"),
        new JsonObject { ["number"] = number, ["summary"] = $"nginx.service failed, decision {number}" });

    public string[] ReadLines() => File.ReadAllText(DecisionsPath).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public void WriteLines(IEnumerable<string> lines) => File.WriteAllText(DecisionsPath, string.Concat(lines.Select(line => line + "\n")));

    public void Dispose()
    {
        foreach (var log in _logs)
        {
            log.Dispose();
        }

        _data.Dispose();
    }
}
