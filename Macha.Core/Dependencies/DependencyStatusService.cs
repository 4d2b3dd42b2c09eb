using Microsoft.Extensions.Logging;

namespace Macha.Core.Dependencies;

/// <summary>
/// Collects the status of every dependency from the registered <see cref="IDependencyStatusSource"/>s.
/// Each of <see cref="DependencyNames.All"/> is always listed: as not configured when nothing
/// reports it, and as down when its source throws or does not respond within <see cref="SourceTimeout"/>.
/// </summary>
public sealed partial class DependencyStatusService
{
    /// <summary>How long one source may take before it is reported as down.</summary>
    public static readonly TimeSpan SourceTimeout = TimeSpan.FromSeconds(5);

    private readonly IReadOnlyList<IDependencyStatusSource> _sources;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DependencyStatusService> _logger;

    public DependencyStatusService(
        IEnumerable<IDependencyStatusSource> sources,
        TimeProvider timeProvider,
        ILogger<DependencyStatusService> logger)
    {
        // When two sources report the same name, the one registered first wins, so a subsystem that
        // registers its own source in AddMachaCore replaces the web host's simpler default.
        _sources = sources
            .GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase)
            .Select(group => group.First())
            .ToList();
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Queries every source at once and returns the known names first, then any others.</summary>
    public async Task<IReadOnlyList<DependencyStatus>> GetAllAsync(CancellationToken cancellationToken = default)
    {
        var names = DependencyNames.All
            .Concat(_sources.Select(s => s.Name).Where(n => !DependencyNames.All.Contains(n, StringComparer.OrdinalIgnoreCase)))
            .ToList();
        var statuses = await Task.WhenAll(names.Select(name => GetAsync(name, cancellationToken)));
        return statuses;
    }

    /// <summary>Returns one dependency's status, never throwing for a failing source.</summary>
    public async Task<DependencyStatus> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        var source = _sources.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
        if (source is null)
        {
            return new DependencyStatus(name, DependencyState.NotConfigured, "Nothing reports this dependency's status.", _timeProvider.GetUtcNow());
        }

        // The linked token cancels a well-behaved source, and WaitAsync stops waiting for a source that ignores it.
        using var timeout = new CancellationTokenSource(SourceTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await source.GetStatusAsync(linked.Token).WaitAsync(SourceTimeout, _timeProvider, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogSourceTimedOut(name, SourceTimeout.TotalSeconds);
            return new DependencyStatus(name, DependencyState.Down, $"The status check did not finish within {SourceTimeout.TotalSeconds:0} seconds.", _timeProvider.GetUtcNow());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSourceFailed(ex, name);
            return new DependencyStatus(name, DependencyState.Down, $"The status check failed: {ex.Message}", _timeProvider.GetUtcNow());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The status check of {DependencyName} did not finish within {TimeoutSeconds} seconds")]
    private partial void LogSourceTimedOut(string dependencyName, double timeoutSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The status check of {DependencyName} failed")]
    private partial void LogSourceFailed(Exception exception, string dependencyName);
}
