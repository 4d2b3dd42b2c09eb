using System.Globalization;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>CPU time and start time of one process, from <c>/proc/PID/stat</c>, in clock ticks.</summary>
internal readonly record struct ProcessCpuSample(long CpuTimeTicks, long StartTimeTicks);

/// <summary>Reads utime, stime and starttime from a <c>/proc/PID/stat</c> line.</summary>
/// <remarks>
/// The second field is the command name in parentheses, and it may itself contain spaces and
/// parentheses, so the fields are counted from the last ')'. Per proc_pid_stat(5), utime and stime
/// are fields 14 and 15 and starttime is field 22.
/// </remarks>
internal static class ProcPidStatParser
{
    // Positions after the ')' that ends the name: field 3 (state) is index 0.
    private const int UserTimeIndex = 11;
    private const int SystemTimeIndex = 12;
    private const int StartTimeIndex = 19;

    public static ParseResult<ProcessCpuSample> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        var nameEnd = text.LastIndexOf(')');
        if (nameEnd < 0)
        {
            return ParseResult<ProcessCpuSample>.Failure("there is no ')' ending the command name");
        }

        var fields = text[(nameEnd + 1)..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length <= StartTimeIndex)
        {
            return ParseResult<ProcessCpuSample>.Failure($"it has {fields.Length} fields after the command name; at least {StartTimeIndex + 1} are required");
        }

        if (!long.TryParse(fields[UserTimeIndex], NumberStyles.None, CultureInfo.InvariantCulture, out var userTicks)
            || !long.TryParse(fields[SystemTimeIndex], NumberStyles.None, CultureInfo.InvariantCulture, out var systemTicks)
            || !long.TryParse(fields[StartTimeIndex], NumberStyles.None, CultureInfo.InvariantCulture, out var startTicks)
            || userTicks > long.MaxValue - systemTicks)
        {
            return ParseResult<ProcessCpuSample>.Failure("utime, stime or starttime is not a number");
        }

        return ParseResult<ProcessCpuSample>.Success(new ProcessCpuSample(userTicks + systemTicks, startTicks));
    }
}
