using System.Globalization;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>Reads <c>/proc/meminfo</c> into a <see cref="MemorySection"/>.</summary>
/// <remarks>
/// Fields are looked up by key, never by line position, because kernels and container layers
/// (lxcfs, OpenVZ) add, drop and reorder lines. Only MemTotal, the available estimate and swap are
/// used: other fields such as Active or SUnreclaim can carry host-wide values inside a container and
/// exceed MemTotal.
/// </remarks>
internal static class MemInfoParser
{
    /// <summary><see cref="MemorySection.AvailableSource"/> when the kernel reported MemAvailable.</summary>
    public const string MemAvailableSource = "MemAvailable";

    // Summed in this order when MemAvailable is missing. It appeared in Linux 3.14, so older kernels
    // and OpenVZ containers on 2.6.32 lack it. SReclaimable is added only when present.
    private static readonly string[] FallbackFields = ["MemFree", "Buffers", "Cached", "SReclaimable"];

    public static ParseResult<MemorySection> Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return ParseResult<MemorySection>.Failure("/proc/meminfo is empty");
        }

        var fields = ReadFields(text);
        if (fields.Count == 0)
        {
            return ParseResult<MemorySection>.Failure("/proc/meminfo has no 'Key: value kB' lines");
        }

        if (!fields.TryGetValue("MemTotal", out var totalBytes))
        {
            return ParseResult<MemorySection>.Failure("/proc/meminfo has no valid MemTotal line");
        }

        if (totalBytes <= 0)
        {
            return ParseResult<MemorySection>.Failure("MemTotal in /proc/meminfo is 0");
        }

        var missing = new List<string>();
        long availableBytes;
        string availableSource;
        if (fields.TryGetValue("MemAvailable", out var memAvailable))
        {
            availableBytes = memAvailable;
            availableSource = MemAvailableSource;
        }
        else if (fields.ContainsKey("MemFree"))
        {
            var used = new List<string>();
            availableBytes = 0;
            foreach (var name in FallbackFields)
            {
                if (fields.TryGetValue(name, out var value))
                {
                    availableBytes = SaturatingAdd(availableBytes, value);
                    used.Add(name);
                }
                else if (name != "SReclaimable")
                {
                    missing.Add(name);
                }
            }

            availableSource = string.Join('+', used);
        }
        else
        {
            return ParseResult<MemorySection>.Failure("/proc/meminfo has neither MemAvailable nor MemFree");
        }

        // In containers the estimate is built from values the container layer rewrites, and the
        // fallback sum can count more cache than the container's limit. Available memory above the
        // total would make the used share negative.
        availableBytes = Math.Clamp(availableBytes, 0, totalBytes);

        if (!fields.TryGetValue("SwapTotal", out var swapTotal))
        {
            missing.Add("SwapTotal");
        }

        if (!fields.TryGetValue("SwapFree", out var swapFree))
        {
            missing.Add("SwapFree");
        }

        var section = new MemorySection(totalBytes, availableBytes, availableSource, swapTotal, Math.Min(swapFree, swapTotal));
        return ParseResult<MemorySection>.Success(section, missing);
    }

    /// <summary>
    /// Reads every well-formed line into bytes ("kB" values) or plain counts (HugePages_*). Lines that
    /// do not parse, have another unit or overflow are left out. The first line with a key wins.
    /// </summary>
    private static Dictionary<string, long> ReadFields(string text)
    {
        var fields = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var rawLine in text.Split('\n'))
        {
            var colon = rawLine.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var key = rawLine[..colon].Trim();
            var valueParts = rawLine[(colon + 1)..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (key.Length == 0 || key.Any(char.IsWhiteSpace) || valueParts.Length is 0 or > 2)
            {
                continue;
            }

            if (!long.TryParse(valueParts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                continue;
            }

            long value;
            if (valueParts.Length == 1)
            {
                value = number;
            }
            else if (valueParts[1] == "kB" && number <= long.MaxValue / 1024)
            {
                value = number * 1024;
            }
            else
            {
                continue;
            }

            fields.TryAdd(key, value);
        }

        return fields;
    }

    private static long SaturatingAdd(long left, long right) =>
        left > long.MaxValue - right ? long.MaxValue : left + right;
}
