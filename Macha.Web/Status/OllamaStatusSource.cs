using Macha.Core.Analysis;
using Macha.Core.Dependencies;
using Microsoft.Extensions.Options;

namespace Macha.Web.Status;

/// <summary>Whether the Ollama server responds and has the configured model, when analysis is enabled.</summary>
internal sealed class OllamaStatusSource(
    IHttpClientFactory httpClients,
    IOptionsMonitor<AnalysisOptions> options,
    TimeProvider timeProvider) : IDependencyStatusSource
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    public string Name => DependencyNames.Ollama;

    public async Task<DependencyStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var analysis = options.CurrentValue;
        if (!analysis.Enabled)
        {
            return Status(DependencyState.NotConfigured, "Analysis is disabled (Macha:Analysis:Enabled is false); the playbooks apply.");
        }

        // Scheme, host and port only: Uri.Authority leaves out any user information in the URL.
        var server = $"{analysis.OllamaUrl.Scheme}://{analysis.OllamaUrl.Authority}";
        using var client = httpClients.CreateClient();
        client.Timeout = ProbeTimeout;
        try
        {
            using var response = await client.GetAsync(new Uri(analysis.OllamaUrl, "api/tags"), cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return Status(DependencyState.Degraded, $"Ollama at {server} returned HTTP {(int)response.StatusCode}; incidents are not analysed.");
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return ModelListed(body, analysis.Model)
                ? Status(DependencyState.Ok, $"Ollama at {server} responds and has {analysis.Model}.")
                : Status(DependencyState.Degraded, $"Ollama at {server} responds but has no model {analysis.Model}; run `ollama pull {analysis.Model}`.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return Status(DependencyState.Down, $"Ollama at {server} cannot be reached; incidents are not analysed and the playbooks apply.");
        }
    }

    /// <summary>Whether /api/tags lists the model, with or without the implicit ":latest" tag.</summary>
    internal static bool ModelListed(string tagsJson, string model)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(tagsJson);
            if (!document.RootElement.TryGetProperty("models", out var models) || models.ValueKind != System.Text.Json.JsonValueKind.Array)
            {
                return false;
            }

            var wanted = model.Contains(':', StringComparison.Ordinal) ? model : model + ":latest";
            return models.EnumerateArray()
                .Select(m => m.TryGetProperty("name", out var name) ? name.GetString() : null)
                .Any(name => string.Equals(name, wanted, StringComparison.OrdinalIgnoreCase) || string.Equals(name, model, StringComparison.OrdinalIgnoreCase));
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private DependencyStatus Status(DependencyState state, string detail) =>
        new(Name, state, detail, timeProvider.GetUtcNow());
}
