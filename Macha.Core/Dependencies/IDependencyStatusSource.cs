namespace Macha.Core.Dependencies;

/// <summary>
/// Reports the health of one external dependency (the model server, ChromaDB, Gotify, the hosts)
/// for the dashboard's Overview and <c>GET /api/dependencies</c>. Register an implementation as a
/// singleton of this interface; a name with no registered source shows as not configured.
/// </summary>
/// <remarks>
/// Implementations must not throw for an unreachable dependency: they return
/// <see cref="DependencyState.Down"/> with the reason in the detail. The caller still guards
/// against exceptions and applies a time limit, so one slow source cannot hold up the page.
/// The detail must never contain a token, key or password.
/// </remarks>
public interface IDependencyStatusSource
{
    /// <summary>The dependency's name as the API lists it: one of <see cref="DependencyNames"/>.</summary>
    string Name { get; }

    Task<DependencyStatus> GetStatusAsync(CancellationToken cancellationToken = default);
}

/// <summary>The state of a dependency; the API writes it as ok, degraded, down or not-configured.</summary>
public enum DependencyState
{
    Ok,
    Degraded,
    Down,
    NotConfigured,
}

/// <param name="Detail">One sentence a person can act on, such as the address that did not respond.</param>
public sealed record DependencyStatus(string Name, DependencyState State, string Detail, DateTimeOffset CheckedAt);

/// <summary>The dependency names the dashboard and the API always list.</summary>
public static class DependencyNames
{
    public const string Ollama = "ollama";
    public const string ChromaDb = "chromadb";
    public const string Gotify = "gotify";
    public const string Hosts = "hosts";

    public static IReadOnlyList<string> All { get; } = [Ollama, ChromaDb, Gotify, Hosts];
}
