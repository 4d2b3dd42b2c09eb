using System.Text.Json;
using Macha.Core.Analysis;
using Macha.Core.Configuration;
using Macha.Core.Monitoring;
using Macha.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Quartz;

namespace Macha.Web.Api;

internal static class HealthChecks
{
    public static IServiceCollection AddMachaHealthChecks(this IServiceCollection services)
    {
        services.AddHttpClient();
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database")
            .AddCheck<ModelServerHealthCheck>("model")
            .AddCheck<SchedulerHealthCheck>("scheduler")
            .AddCheck<LastCycleHealthCheck>("cycle");
        return services;
    }
}

internal sealed class DatabaseHealthCheck(IDbContextFactory<MachaDbContext> databases, IOptionsMonitor<MachaOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // SQLite keeps writing to a database file that was deleted while open, and everything
        // written after that is lost at the next start; only the path on disk shows it.
        var path = Path.Combine(options.CurrentValue.ResolveDataDirectory(), "macha.db");
        if (!File.Exists(path))
        {
            return HealthCheckResult.Unhealthy($"The database file {path} no longer exists; what Macha records now is lost at the next start. Restart Macha.");
        }

        try
        {
            await using var db = await databases.CreateDbContextAsync(cancellationToken);
            var runs = await db.CycleRuns.CountAsync(cancellationToken);
            return HealthCheckResult.Healthy($"SQLite reachable; {runs} cycle runs stored.");
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            return HealthCheckResult.Unhealthy($"SQLite query failed: {ex.Message}");
        }
    }
}

/// <summary>Whether the Ollama server answers, when analysis is enabled.</summary>
internal sealed class ModelServerHealthCheck(IHttpClientFactory httpClients, IOptionsMonitor<AnalysisOptions> options) : IHealthCheck
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var analysis = options.CurrentValue;
        if (!analysis.Enabled)
        {
            return HealthCheckResult.Healthy("Analysis is disabled (Macha:Analysis:Enabled is false).");
        }

        var server = analysis.OllamaUrl.GetLeftPart(UriPartial.Authority);
        using var client = httpClients.CreateClient();
        client.Timeout = ProbeTimeout;
        try
        {
            using var response = await client.GetAsync(new Uri(analysis.OllamaUrl, "api/version"), cancellationToken);
            return response.IsSuccessStatusCode
                ? HealthCheckResult.Healthy($"Ollama at {server} answers.")
                : HealthCheckResult.Degraded($"Ollama at {server} answered {(int)response.StatusCode}; incidents are not analysed and the playbooks apply.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return HealthCheckResult.Degraded($"Ollama at {server} cannot be reached; incidents are not analysed and the playbooks apply.");
        }
    }
}

internal sealed class SchedulerHealthCheck(ISchedulerFactory schedulers) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        return scheduler.Status == SchedulerStatus.Running
            ? HealthCheckResult.Healthy("Scheduler running.")
            : HealthCheckResult.Degraded("Scheduler is not running; no scheduled health cycles.");
    }
}

/// <summary>Degraded when no cycle finished recently, or the last one had collectors that failed.</summary>
internal sealed class LastCycleHealthCheck(HealthQueries queries, IOptionsMonitor<MachaOptions> options, TimeProvider timeProvider)
    : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var runs = await queries.ListCycleRunsAsync(20, cancellationToken);
        var last = runs.FirstOrDefault(r => r.State is CycleState.Completed or CycleState.Failed);
        if (last?.FinishedAt is not { } finishedAt)
        {
            return HealthCheckResult.Degraded("No health cycle has finished yet.");
        }

        var age = timeProvider.GetUtcNow() - finishedAt;
        if (age > 3 * options.CurrentValue.CheckInterval)
        {
            return HealthCheckResult.Degraded($"The last health cycle finished {age.TotalMinutes:0} minutes ago.");
        }

        if (last.State == CycleState.Failed)
        {
            return HealthCheckResult.Degraded($"The last health cycle failed: {last.Error}");
        }

        var statuses = JsonSerializer.Deserialize<Dictionary<string, List<CollectorStatus>>>(last.CollectorStatusesJson, SnapshotJson.Options) ?? [];
        var failed = statuses
            .SelectMany(host => host.Value.Where(s => s.State is CollectorState.Failed or CollectorState.TimedOut)
                .Select(s => $"{host.Key}/{s.Name}"))
            .ToList();
        return failed.Count == 0
            ? HealthCheckResult.Healthy($"Last health cycle finished at {finishedAt:u}.")
            : HealthCheckResult.Degraded($"Collectors failed in the last cycle: {string.Join(", ", failed)}.");
    }
}
