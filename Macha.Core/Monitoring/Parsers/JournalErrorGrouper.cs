namespace Macha.Core.Monitoring.Parsers;

/// <summary>
/// Groups journal entries by unit and identifier, so a flood of one message becomes one group with
/// a count instead of thousands of lines for detectors, prompts and notifications.
/// </summary>
internal static class JournalErrorGrouper
{
    /// <summary>Maximum distinct messages kept as samples in one group.</summary>
    public const int MaxSamplesPerGroup = 3;

    // journalctl -p err returns only priorities 0 to 3, so an entry without a readable PRIORITY is
    // at least an error.
    private const int DefaultPriority = 3;

    /// <summary>
    /// Groups entries in the order given; groups come out with the largest count first.
    /// </summary>
    /// <param name="fallbackTime">Time used for entries without a readable timestamp.</param>
    public static IReadOnlyList<JournalErrorGroup> Group(IEnumerable<JournalEntry> entries, DateTimeOffset fallbackTime)
    {
        ArgumentNullException.ThrowIfNull(entries);

        var groups = new Dictionary<(string? Unit, string? Identifier), GroupBuilder>();
        var order = new List<GroupBuilder>();
        foreach (var entry in entries)
        {
            var key = (entry.Unit, entry.Identifier);
            if (!groups.TryGetValue(key, out var builder))
            {
                builder = new GroupBuilder(entry.Unit, entry.Identifier);
                groups.Add(key, builder);
                order.Add(builder);
            }

            builder.Add(entry, entry.Timestamp ?? fallbackTime);
        }

        return order
            .OrderByDescending(builder => builder.Count)
            .Select(builder => builder.Build())
            .ToList();
    }

    private sealed class GroupBuilder(string? unit, string? identifier)
    {
        private readonly List<string> _samples = [];
        private int _priority = int.MaxValue;
        private DateTimeOffset _firstSeen = DateTimeOffset.MaxValue;
        private DateTimeOffset _lastSeen = DateTimeOffset.MinValue;

        public int Count { get; private set; }

        public void Add(JournalEntry entry, DateTimeOffset timestamp)
        {
            Count++;
            _priority = Math.Min(_priority, entry.Priority ?? DefaultPriority);
            _firstSeen = timestamp < _firstSeen ? timestamp : _firstSeen;
            _lastSeen = timestamp > _lastSeen ? timestamp : _lastSeen;
            if (_samples.Count < MaxSamplesPerGroup && !_samples.Contains(entry.Message, StringComparer.Ordinal))
            {
                _samples.Add(entry.Message);
            }
        }

        public JournalErrorGroup Build() =>
            new(unit, identifier, _priority, Count, _firstSeen, _lastSeen, _samples.ToArray());
    }
}
