namespace Macha.Core.Monitoring.Parsers;

/// <summary>Counts logical CPUs in <c>/proc/cpuinfo</c>.</summary>
internal static class CpuInfoParser
{
    /// <summary>Counts the "processor : N" lines, which x86 and ARM kernels print once per logical CPU.</summary>
    public static int CountProcessors(string text)
    {
        var count = 0;
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim() == "processor")
            {
                count++;
            }
        }

        return count;
    }
}
