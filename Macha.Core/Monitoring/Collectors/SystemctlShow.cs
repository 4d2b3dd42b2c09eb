using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Monitoring.Collectors;

/// <summary>Runs <c>systemctl show</c> for many units, a chunk of names per command.</summary>
internal static class SystemctlShow
{
    /// <summary>Most unit names passed to one <c>systemctl show</c>, which keeps argv and output small.</summary>
    public const int MaxUnitsPerCommand = 200;

    /// <summary>
    /// Reads the given properties of every unit, keyed by the name it was requested under. Names
    /// that are not valid unit names are never passed to systemctl, and are reported as a problem
    /// after the valid ones were read.
    /// </summary>
    /// <param name="properties">Comma-separated property names for <c>--property=</c>; include Id.</param>
    public static async Task<ShowResult> RunAsync(
        CollectionContext context,
        IEnumerable<string> unitNames,
        string properties,
        CancellationToken cancellationToken)
    {
        var units = new Dictionary<string, UnitProperties>(StringComparer.Ordinal);
        var names = unitNames.Distinct(StringComparer.Ordinal).ToList();

        var invalid = names.Where(name => !SystemdUnitName.IsValid(name)).ToList();

        foreach (var chunk in names.Except(invalid, StringComparer.Ordinal).Chunk(MaxUnitsPerCommand))
        {
            // "--" ends the options, so "-.mount" and any name starting with a dash stay a unit name.
            var request = context.Command("systemctl", ["show", "--property=" + properties, "--", .. chunk]);
            var label = $"systemctl show --property={properties} for {chunk.Length} units";
            var result = await context.Shell.RunAsync(request, cancellationToken);
            if (!result.Succeeded)
            {
                return ShowResult.Failure(units, result.Describe(label), result.StandardOutput + result.StandardError);
            }

            if (result.OutputTruncated)
            {
                return ShowResult.Failure(
                    units,
                    $"{label} printed more than {request.MaxOutputBytes} bytes; raise Macha:Monitoring:MaxOutputBytes",
                    result.StandardOutput);
            }

            var parsed = SystemctlShowParser.Parse(result.StandardOutput);
            if (!parsed.Succeeded)
            {
                return ShowResult.Failure(units, $"could not parse {label}: {parsed.Error}", result.StandardOutput);
            }

            var problem = Match(chunk, parsed.Value, units);
            if (problem is not null)
            {
                return ShowResult.Failure(units, $"{label}: {problem}", result.StandardOutput);
            }
        }

        if (invalid.Count > 0)
        {
            return ShowResult.Failure(
                units,
                $"{invalid.Count} unit names are not valid systemd unit names and were not queried, such as '{CollectorStatus.Excerpt(invalid[0])}'",
                null);
        }

        return new ShowResult(units, null, null);
    }

    /// <summary>Pairs each printed block with a requested name; returns why that failed, or null.</summary>
    private static string? Match(string[] requested, IReadOnlyList<UnitProperties> blocks, Dictionary<string, UnitProperties> units)
    {
        // systemctl prints one block per name in argument order. The order is the reliable key,
        // because Id is the unit's main name, which differs from the requested one for an alias.
        if (blocks.Count == requested.Length)
        {
            for (var i = 0; i < requested.Length; i++)
            {
                units[requested[i]] = blocks[i];
            }

            return null;
        }

        var byId = blocks.Where(block => block.Id is not null).ToDictionary(block => block.Id!, StringComparer.Ordinal);
        var missing = requested.Where(name => !byId.ContainsKey(name)).ToList();
        if (missing.Count > 0)
        {
            return $"printed {blocks.Count} property blocks for {requested.Length} units, and none for '{CollectorStatus.Excerpt(missing[0])}'";
        }

        foreach (var name in requested)
        {
            units[name] = byId[name];
        }

        return null;
    }
}

/// <summary>Properties by unit name, and why some could not be read.</summary>
/// <param name="Problem">Null when every unit was read; otherwise what failed, and <see cref="Units"/> contains the units read before it.</param>
/// <param name="Output">Output of the failed command, for the collector status.</param>
internal sealed record ShowResult(IReadOnlyDictionary<string, UnitProperties> Units, string? Problem, string? Output)
{
    public static ShowResult Failure(IReadOnlyDictionary<string, UnitProperties> units, string problem, string? output) =>
        new(units, problem, output);
}
