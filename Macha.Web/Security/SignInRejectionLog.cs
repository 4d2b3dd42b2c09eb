using System.Collections.Concurrent;

namespace Macha.Web.Security;

/// <summary>Decides when to log a rate-limited address: once per window, so a flood of attempts does not flood the log.</summary>
internal sealed class SignInRejectionLog(TimeProvider timeProvider)
{
    // Bounds the memory an attacker with many addresses can take; forgetting costs one more log line.
    private const int MaxAddresses = 10_000;

    private readonly ConcurrentDictionary<string, long> _lastLogged = new(StringComparer.Ordinal);

    public bool ShouldLog(string address, TimeSpan window)
    {
        var now = timeProvider.GetTimestamp();
        if (_lastLogged.TryGetValue(address, out var last) && timeProvider.GetElapsedTime(last, now) < window)
        {
            return false;
        }

        if (_lastLogged.Count >= MaxAddresses)
        {
            _lastLogged.Clear();
        }

        _lastLogged[address] = now;
        return true;
    }
}
